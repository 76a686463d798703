import { TableStatistics } from '../../../src/sync/import/table-statistics';
import { NodePair, pullInto, startPair } from '../../support/two-nodes';

/**
 * A pull that fills a table from empty analyzes it after its commit (TableStatistics), so the next
 * pull's merge plans on the table as it is, not on "empty" until autovacuum gets to it.
 */
describe('statistics of the tables a pull filled', () => {
  let pair: NodePair;

  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => {
    await pair?.close();
  });

  /** What the requester's statistics count in a table (-1: never analyzed). */
  const counted = async (table: string) =>
    ((await pair.a.dataSource.query(`SELECT reltuples::bigint::int AS n FROM pg_class WHERE oid = $1::regclass`, [table])) as { n: number }[])[0].n;

  it('a table filled from empty is analyzed after the commit; a pull of a few rows analyzes nothing', async () => {
    await pair.b.dataSource.query(
      `INSERT INTO snomed_laterality (code, display_name, description, is_active) SELECT 'l' || i, 'laterality ' || i, 'd', true FROM generate_series(1, 1500) i`,
    );
    expect(await counted('snomed_laterality')).toBeLessThanOrEqual(0);
    const body = await pullInto(pair, 'a');
    expect(body.summary.totals.inserted).toBeGreaterThanOrEqual(1500);
    await pair.a.app.get(TableStatistics).settled();
    expect(await counted('snomed_laterality')).toBe(1500);

    await pair.b.dataSource.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('one more', 'x', 'd', true)`);
    await pullInto(pair, 'a');
    await pair.a.app.get(TableStatistics).settled();
    expect(await counted('snomed_laterality')).toBe(1500);
  });
});
