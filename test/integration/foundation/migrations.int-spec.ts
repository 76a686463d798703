import { DataSource } from 'typeorm';
import { testConfig } from '../../../src/config';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { ALL_MIGRATIONS } from '../../../migrations';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** The migrations build the whole schema on an empty database, and every `down` undoes its `up`. */
describe('migrations', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  const publicObjects = async () => ({
    tables: (await dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`)).map(
      (r: { tablename: string }) => r.tablename,
    ),
    functions: (
      await dataSource.query(
        `SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`,
      )
    ).map((r: { proname: string }) => r.proname),
  });

  beforeAll(async () => {
    db = await createTestDatabase('migrations', { empty: true });
    dataSource = new DataSource(typeOrmOptions(testConfig({ LOG_LEVEL: 'silent' }), db.url));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('apply to an empty database, then all revert cleanly, then apply again', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(ALL_MIGRATIONS.map((m) => (m as { name: string }).name));
    const schema = await publicObjects();
    expect(schema.tables).toEqual(expect.arrayContaining(['volunteer', 'record_channel', 'tombstones', 'sync_logs', 'users']));
    expect(schema.functions).toEqual(expect.arrayContaining(['prism_stamp_row', 'prism_tombstone']));
    expect(await dataSource.showMigrations()).toBe(false);

    for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await publicObjects()).toEqual({ tables: [], functions: [] });

    await dataSource.runMigrations({ transaction: 'each' });
    expect(await publicObjects()).toEqual(schema);
  });

  it('leave no drift between the entities and the migrated schema', async () => {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });
});
