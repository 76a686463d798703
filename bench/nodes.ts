import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { NodeAccessLevel, UserRole } from '../src/core/auth/access';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { NodeChannelClient } from '../src/node-trust/client/node-channel-client';
import { loadLocalIdentity } from '../src/node-trust/identity/local-identity';
import { insertUser } from '../src/users/users.store';
import { NODE_RUNTIME_FLAGS } from '../src/config/runtime-flags';
import { freePort, interruptCleanups } from './pg';
import { HeapFigures, heapFromMetrics, rssMb, statusKb } from './process-stats';
import { isStaleLockRefusal } from './progress-trace';

/** One node as its own OS process: `node dist/src/main.js` on its own database and data directory. */
export interface BenchNode {
  nodeId: string;
  url: string;
  dataDir: string;
  databaseUrl: string;
  process: ChildProcess;
  token: string;
  stop(): Promise<void>;
}

export interface HttpResult {
  status: number;
  body: unknown;
  ms: number;
}

/** A JSON request without client-side timeouts (a 1M-row pull runs for minutes). */
export function http(method: string, url: string, body?: unknown, token?: string): Promise<HttpResult> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const ADMIN_PASSWORD = 'bench-operator-pw-1';

/** Creates the admin user in the node's (migrated) database before the node starts. */
async function createAdmin(databaseUrl: string, nodeId: string): Promise<void> {
  const ds = new DataSource(typeOrmOptions(loadConfig({ NODE_ID: nodeId }), databaseUrl));
  await ds.initialize();
  try {
    await insertUser(ds.manager, { login: 'bench-admin', password: ADMIN_PASSWORD, role: UserRole.Admin });
  } finally {
    await ds.destroy();
  }
}

export interface NodeOptions {
  nodeId: string;
  dataDir: string;
  databaseUrl: string;
  /** Extra settings (SYNC_PULL_PAGE_SIZE, …). */
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof), after NODE_RUNTIME_FLAGS (a flag given again here wins). */
  nodeArgs: string[];
}

export async function startNode(options: NodeOptions): Promise<BenchNode> {
  await createAdmin(options.databaseUrl, options.nodeId);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(options.dataDir, 'node.log'));
  const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, ...options.nodeArgs, 'dist/src/main.js'], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...process.env,
      ENV_FILE: join(options.dataDir, 'no.env'),
      NODE_ID: options.nodeId,
      NODE_NAME: `Bench ${options.nodeId}`,
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: options.dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn',
      JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123456789',
      JWT_TTL_SECONDS: '86400',
      // The bench drives many operator calls and pages from one client.
      THROTTLE_STANDARD_PER_MINUTE: '1000000',
      THROTTLE_USER_PER_MINUTE: '1000000',
      THROTTLE_SYNC_PER_MINUTE: '1000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    interruptCleanups.delete(stop);
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  interruptCleanups.add(stop);
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`node ${options.nodeId} exited: see ${join(options.dataDir, 'node.log')}`);
    const ok = await http('GET', `${url}/api/channel/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (attempt > 600) throw new Error(`node ${options.nodeId} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await http('POST', `${url}/api/userauth/login`, { login: 'bench-admin', password: ADMIN_PASSWORD });
  if (login.status !== 200) throw new Error(`login at ${options.nodeId} failed: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    nodeId: options.nodeId,
    url,
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    process: child,
    token: (login.body as { token: string }).token,
    stop,
  };
}

/** The node's generated identity (created now if absent; the node reuses it at start). */
export function identityOf(nodeId: string, dataDir: string) {
  return loadLocalIdentity(loadConfig({ NODE_ID: nodeId, NODE_NAME: `Bench ${nodeId}`, DATA_DIR: dataDir }));
}

/**
 * Introduces the requester to the source the way operators do: the requester registers at the
 * source with the handshake, the source's admin approves (ReadWrite), the requester's admin adds
 * the source as a connection. Returns the source's id in the requester's registry.
 */
export async function introduce(requester: BenchNode, source: BenchNode): Promise<string> {
  const client = new NodeChannelClient({ url: source.url }, await identityOf(requester.nodeId, requester.dataDir), { timeoutMs: 60_000 });
  await client.openChannel();
  const registration = await client.register({ requestedNodeAccessLevel: NodeAccessLevel.ReadWrite, nodeUrl: requester.url });
  const approved = await http('POST', `${source.url}/api/node/${String(registration.registrationId)}/approve`, { nodeAccessLevel: NodeAccessLevel.ReadWrite }, source.token);
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  const sourceIdentity = await identityOf(source.nodeId, source.dataDir);
  const added = await http(
    'POST',
    `${requester.url}/api/node/NewConnection`,
    { nodeName: sourceIdentity.nodeName, nodeUrl: source.url, certificate: sourceIdentity.certificateDer, status: 1, nodeAccessLevel: NodeAccessLevel.ReadWrite },
    requester.token,
  );
  if (added.status !== 201) throw new Error(`NewConnection failed: ${added.status} ${JSON.stringify(added.body)}`);
  return String((added.body as { id: string }).id);
}

export interface PullOutcome {
  ms: number;
  received: number;
  filesDownloaded: number;
  bytesDownloaded: number;
}

/**
 * One pull through the operator API (POST /api/sync/pull waits for the end). A refusal of the
 * previous job's lock that is still being released is retried (`onRetry`); the time is the
 * accepted attempt's.
 */
export async function pull(requester: BenchNode, remoteNodeId: string, onRetry: () => void = () => undefined): Promise<PullOutcome> {
  for (let attempt = 0; ; attempt++) {
    const res = await http('POST', `${requester.url}/api/sync/pull`, { remoteNodeId }, requester.token);
    if (isStaleLockRefusal(res.status, res.body) && attempt < 50) {
      onRetry();
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    const body = res.body as { status?: string; summary?: { totals: { received: number }; files: { downloaded: number; bytesDownloaded: number } } };
    if (res.status !== 200 || body.status !== 'completed' || !body.summary) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
    return { ms: res.ms, received: body.summary.totals.received, filesDownloaded: body.summary.files.downloaded, bytesDownloaded: body.summary.files.bytesDownloaded };
  }
}

/**
 * Peak resident memory of processes during a case: the kernel's high-water mark (VmHWM, reset at
 * the start through /proc/<pid>/clear_refs) and, where reset is not allowed, sampled VmRSS.
 */
export class RssMonitor {
  private readonly peak = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: number[]) {}

  start(): void {
    for (const pid of this.pids) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // not permitted: sampling alone
      }
      this.peak.set(pid, 0);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
  }

  /** Peak MB per pid, in the order given. */
  stop(): number[] {
    clearInterval(this.timer);
    this.sample();
    return this.pids.map((pid) => Math.round(Math.max(this.peak.get(pid) ?? 0, statusKb(pid, 'VmHWM')) / 1024));
  }

  private sample(): void {
    for (const pid of this.pids) this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, statusKb(pid, 'VmRSS')));
  }
}

/**
 * How long a node is left without requests before its idle memory is read (see bench/README.md,
 * "Requester memory" and "The idle read at the same age"): V8 shrinks an idle heap some 10–30 s
 * after its last work, so the read waits past that.
 */
export const IDLE_SETTLE_MS = 30_000;

/**
 * A node's idle memory, read the same way at every dataset size: IDLE_SETTLE_MS after `since`
 * (the bench reads it while the rows are generated, so the age is the same at every size), its
 * RSS, then its heap from /metrics. `settle` false (the smoke run) reads at once.
 */
export async function idleMemory(node: BenchNode, since: number, settle: boolean): Promise<{ rssMb: number; heap?: HeapFigures }> {
  const wait = since + IDLE_SETTLE_MS - performance.now();
  if (settle && wait > 0) await new Promise((r) => setTimeout(r, wait));
  const idleRss = rssMb(node.process.pid!);
  const metrics = await http('GET', `${node.url}/metrics`);
  return { rssMb: idleRss, heap: metrics.status === 200 && typeof metrics.body === 'string' ? heapFromMetrics(metrics.body) : undefined };
}
