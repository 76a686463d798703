import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/pg-server';
import { hashDirectory } from './source-data';
import { NODE_RUNTIME_FLAGS } from '../../../src/config/runtime-flags';

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist/src/main.js');
const CLI = join(ROOT, 'bin/prism-node.js');
const run = promisify(execFile);

/**
 * How long a node start (until /health) or a CLI command may take. Each costs 2–3 s of CPU; on a
 * loaded 2-core machine (other suites, benches) that was 46–59 s of wall time, so a minute was too
 * tight. A process that exits is seen at once; only a slow one waits this long.
 */
const START_TIMEOUT_MS = 150_000;

export interface NodeProcessOptions {
  nodeId: string;
  nodeName: string;
  databaseUrl: string;
  /** Extra settings (throttles, page sizes, retry budget…). */
  env?: Record<string, string>;
}

/**
 * One PRISM node as a separate OS process running the compiled node (`node dist/src/main.js`),
 * with its own database, port, identity and DATA_DIR. It can be killed with SIGKILL and restarted
 * on the same database, port and DATA_DIR.
 */
export class NodeProcess {
  /** Node processes started in this test file and still running. */
  private static readonly live = new Set<NodeProcess>();
  /** The test file has ended: a setup still going on after a timeout starts no node. */
  private static fileEnded = false;

  /**
   * Kills every node process of this test file still running (e2e setup file, after the file): one
   * left by a setup that failed or timed out midway, which no afterAll knew of, would keep Jest
   * from ever exiting.
   */
  static async killStrays(): Promise<void> {
    NodeProcess.fileEnded = true;
    await Promise.all([...NodeProcess.live].map((node) => node.kill9()));
  }

  readonly dataDir: string;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  private child?: ChildProcess;
  private log?: WriteStream;
  private exited?: Promise<number | null>;

  private constructor(
    readonly options: NodeProcessOptions,
    port: number,
  ) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm run test:e2e does)`);
    this.dataDir = mkdtempSync(join(tmpdir(), `prism-e2e-${options.nodeId}-`));
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = join(this.dataDir, 'node.log');
  }

  static async create(options: NodeProcessOptions): Promise<NodeProcess> {
    return new NodeProcess(options, await freePort());
  }

  get env(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: this.options.databaseUrl,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: this.url,
      NODE_ID: this.options.nodeId,
      NODE_NAME: this.options.nodeName,
      DATA_DIR: this.dataDir,
      DB_MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET: `e2e-secret-${this.options.nodeId}-0123456789abcdef0123456789`,
      ...this.options.env,
    };
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process unless it runs (e.g. after a scenario that killed it failed midway). */
  async ensureRunning(): Promise<void> {
    if (!this.running) await this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts the process and waits until /health answers 200. A start that fails (the process
   * exited, or it was not healthy within START_TIMEOUT_MS) leaves no process behind: a stray node
   * would keep Jest from exiting.
   */
  async start(): Promise<void> {
    if (NodeProcess.fileEnded) throw new Error(`node ${this.options.nodeId} not started: its test file has ended`);
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, MAIN], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.child = child;
    NodeProcess.live.add(this);
    this.exited = new Promise((done) =>
      child.once('exit', (code) => {
        if (this.child === child) NodeProcess.live.delete(this);
        done(code);
      }),
    );
    try {
      await this.healthy(child);
    } catch (error) {
      await this.kill9();
      throw error;
    }
  }

  private async healthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`node ${this.options.nodeId} exited with ${child.exitCode ?? child.signalCode} at start; see ${this.logFile}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`node ${this.options.nodeId} did not become healthy within ${START_TIMEOUT_MS / 1000} s; see ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** `kill -9`: no shutdown hook runs. Resolves when the process is gone. */
  async kill9(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill9();
    await this.start();
  }

  /** `prism-node <args>` with this node's settings (e.g. user:create). */
  async cli(args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [CLI, ...args], { env: this.env, timeout: START_TIMEOUT_MS });
    return stdout;
  }

  async readDataFile(path: string): Promise<Buffer> {
    return readFileSync(join(this.dataDir, path));
  }

  async listDataDir(path: string): Promise<string[]> {
    const dir = join(this.dataDir, path);
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  /** Hash of a data directory's files (names and contents), but those `skip` names. */
  async hashDataDir(path: string, skip?: (name: string) => boolean): Promise<string> {
    return hashDirectory(join(this.dataDir, path), skip);
  }

  async close(): Promise<void> {
    await this.stop();
    this.log?.end();
  }
}
