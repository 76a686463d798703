import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrismClient } from '../../client/src/index.js';
import { AppConfig, loadConfig } from '../config';
import { NODE_RUNTIME_FLAGS } from '../config/runtime-flags';
import { UserRole } from '../core/auth/access';
import { createUserInDatabase } from '../cli/commands/user-create';
import { generateSelfSignedIdentity } from '../node-trust/identity/identity-generator';
import { writeIdentityFiles } from '../node-trust/identity/local-identity';

import { freePort } from '../core/free-port';

export { freePort };

export interface DemoNodeSpec {
  nodeId: string;
  nodeName: string;
  dataDir: string;
}

/**
 * One node of the demo as its own process (`node <NODE_RUNTIME_FLAGS> dist/src/main.js`) on its own embedded
 * PostgreSQL, data directory and ports, with a generated identity and an Admin user.
 */
export class DemoNode {
  readonly admin = { login: 'demo-admin', password: 'demo-password-1' };
  readonly client: PrismClient;
  readonly url: string;
  readonly env: Record<string, string>;
  readonly config: AppConfig;
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  private constructor(
    readonly spec: DemoNodeSpec,
    port: number,
    pgPort: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      NODE_ID: spec.nodeId,
      NODE_NAME: spec.nodeName,
      DATA_DIR: resolve(spec.dataDir),
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: this.url,
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
      // The demo fills the source over its API with a few hundred calls from one client.
      THROTTLE_STANDARD_PER_MINUTE: '100000',
      // Nothing from the operator's own .env or shell may point the demo elsewhere.
      ENV_FILE: join(resolve(spec.dataDir), 'no.env'),
    };
    this.config = loadConfig(this.env);
    this.client = new PrismClient({ baseUrl: this.url });
  }

  static async create(spec: DemoNodeSpec): Promise<DemoNode> {
    return new DemoNode(spec, await freePort(), await freePort());
  }

  get logFile(): string {
    return join(this.env.DATA_DIR, 'node.log');
  }

  /** Identity files in DATA_DIR/identity (where the node looks by default) and the Admin user. */
  async prepare(): Promise<void> {
    writeIdentityFiles(join(this.env.DATA_DIR, 'identity'), generateSelfSignedIdentity(this.spec.nodeId));
    await createUserInDatabase(this.config, { ...this.admin, role: UserRole.Admin });
  }

  /** Starts the node process and waits until /health answers, then logs the Admin in. */
  async start(entry = resolve(__dirname, '..', 'main.js'), timeoutMs = 120_000): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // Only what a child process needs to run (not configuration: the node's settings are `this.env`).
    // eslint-disable-next-line no-restricted-properties
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'].includes(name)));
    // The V8 flags `npm start` gives a node (without them it warns, and a pull uses more memory).
    const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, entry], { env: { ...inherited, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.spec.nodeName} exited with code ${child.exitCode} while starting:\n${this.logTail()}`);
      const healthy = await fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`${this.spec.nodeName} did not become healthy within ${timeoutMs / 1000}s:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await this.client.login(this.admin.login, this.admin.password);
  }

  /** SIGTERM, then waits for a clean exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited!;
    } finally {
      clearTimeout(timer);
    }
  }

  logTail(lines = 20): string {
    if (!existsSync(this.logFile)) return '(no log)';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}
