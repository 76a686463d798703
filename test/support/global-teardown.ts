import { RUN_ENV, withAdmin } from './database';
import type { TestPgServer } from './pg-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__PRISM_PG__ as TestPgServer | undefined;
  if (!server) return;
  // Each database tier declares this teardown; the first one stops the shared server.
  delete (globalThis as Record<string, unknown>).__PRISM_PG__;
  if (server.kind === 'url') {
    // Shared server: remove what this run created.
    await withAdmin(server.adminUrl, async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
        [`prism_${process.env[RUN_ENV]}_`],
      );
      for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }).catch(() => undefined);
  }
  await server.stop();
}
