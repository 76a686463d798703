import { freePort } from '../../src/core/free-port';
import { startTemporaryPostgres } from '../../src/database/embedded-postgres';

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

export { freePort } from '../../src/core/free-port';

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
  const flags = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'];
  const server = await startTemporaryPostgres('test', await freePort(), flags);
  return { kind: 'embedded', ...server };
}

export async function startTestPgServer(): Promise<TestPgServer> {
  const explicit = process.env.TEST_DATABASE_URL;
  if (explicit) return { kind: 'url', adminUrl: explicit, stop: async () => undefined };
  return (await tryTestcontainers()) ?? (await startEmbedded());
}
