import { DataSource } from 'typeorm';
import { testConfig } from '../../../src/config';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * The CI gate of `migration:generate --check`: on a database built by the migrations, the schema
 * the entities describe needs no further statement. An entity change without its migration fails here.
 */
describe('schema drift', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('drift');
    dataSource = await new DataSource(typeOrmOptions(testConfig(), db.url)).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('the entities match the migrated schema', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
