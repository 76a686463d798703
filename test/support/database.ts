import { randomBytes } from 'node:crypto';
import { databaseUrl, withClient } from '../../src/database/pg-admin';
import { DataSource } from 'typeorm';
import { testConfig } from '../../src/config';
import { typeOrmOptions } from '../../src/database/typeorm-options';

/** Environment variables global-setup hands to the test workers. */
export const ADMIN_URL_ENV = 'PRISM_TEST_PG_ADMIN_URL';
export const TEMPLATE_ENV = 'PRISM_TEST_TEMPLATE_DB';
export const RUN_ENV = 'PRISM_TEST_RUN_ID';

export { databaseUrl };

/** A client on the test server's maintenance database. */
export const withAdmin = withClient;

/** Builds the template database by running every migration (never `synchronize`). */
export async function createTemplate(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}"`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const ds = new DataSource(typeOrmOptions(testConfig(), databaseUrl(adminUrl, name)));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one suite (or one node of a suite), cloned from the migrated template. */
export async function createTestDatabase(label = 'db', options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (!adminUrl || !template) throw new Error('test database server not set up (jest globalSetup did not run)');
  const run = process.env[RUN_ENV] ?? 'x';
  const name = `prism_${run}_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const source = options.empty ? 'template0' : template;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${source}"`));
      break;
    } catch (error) {
      // Two clones of one template at the same instant can briefly collide.
      if (attempt >= 5 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  return {
    name,
    url: databaseUrl(adminUrl, name),
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
