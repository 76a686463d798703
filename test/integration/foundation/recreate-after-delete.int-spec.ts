import { DataSource } from 'typeorm';
import { testConfig } from '../../../src/config';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** A row re-created after its delete is newer than the delete, even when the clock stepped back. */
describe('re-creating a deleted row', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('recreate');
    ds = await new DataSource(typeOrmOptions(testConfig(), db.url)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('removes the tombstone and stamps updated_at after deleted_at', async () => {
    const insert = () => ds.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('L', 'l', 'd', true)`);
    await insert();
    await ds.query(`DELETE FROM snomed_laterality WHERE code = 'L'`);
    // The delete was stamped by a clock a minute ahead of this one (within the skew limit, 2 min).
    await ds.query(`UPDATE tombstones SET deleted_at = clock_timestamp() + interval '1 minute' WHERE table_name = 'snomed_laterality'`);
    const [{ deleted }] = await ds.query(`SELECT deleted_at AS deleted FROM tombstones WHERE table_name = 'snomed_laterality'`);
    await insert();
    expect(await ds.query(`SELECT count(*)::int AS n FROM tombstones WHERE table_name = 'snomed_laterality'`)).toEqual([{ n: 0 }]);
    const [{ newer }] = await ds.query(`SELECT updated_at > $1::timestamptz AS newer FROM snomed_laterality WHERE code = 'L'`, [deleted]);
    expect(newer).toBe(true);
  });

  it('a delete stamped further ahead than the skew limit does not push the re-created row into the future', async () => {
    const insert = () => ds.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('F', 'f', 'd', true)`);
    await insert();
    await ds.query(`DELETE FROM snomed_laterality WHERE code = 'F'`);
    await ds.query(`UPDATE tombstones SET deleted_at = '2100-01-01T00:00:00Z' WHERE table_name = 'snomed_laterality'`);
    await insert();
    const [{ sane }] = await ds.query(`SELECT updated_at < clock_timestamp() + interval '2 minutes' AS sane FROM snomed_laterality WHERE code = 'F'`);
    expect(sane).toBe(true);
  });
});
