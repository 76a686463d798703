import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { q } from '../../../src/core/sync-kernel/sql';
import { RowsBatch } from '../../../src/sync/import/rows-batch';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, pull, startPair, verify } from '../../support/two-nodes';

/**
 * The row statements of tables without tombstones run together in one round trip (rows-batch.ts):
 * the outcome is that of the statements one by one, and a statement that fails in the batch rolls
 * back the tables applied before it in the same round trip, as any failure of the apply does.
 */
describe('row statements batched in one round trip', () => {
  let pair: NodePair;
  let queued: number[] = [];
  const digest = async (into: 'a' | 'b') => (await verify(into === 'a' ? pair.a : pair.b, into === 'a' ? pair.adminA : pair.adminB)).digest;
  /** The last table the apply writes, and an earlier one of another aggregate. */
  const tables = () => {
    const all = pair.a.app.get(SyncCatalog).tables();
    return { early: 'research', last: all.at(-1)!.table };
  };
  const change = async () => {
    const { early, last } = tables();
    await pair.b.dataSource.query(`UPDATE research SET title = title || '+b'`);
    await pair.b.dataSource.query(`UPDATE ${q(last)} SET updated_at = updated_at`);
    expect(early).not.toBe(last);
  };

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    await buildDatasetOverHttp(pair.b, pair.adminB);
    expect((await pull(pair)).status).toBe(200);
    const flush = RowsBatch.prototype.flush;
    jest.spyOn(RowsBatch.prototype, 'flush').mockImplementation(function (this: RowsBatch, ...args) {
      if (this.size > 0) queued.push(this.size);
      return flush.apply(this, args);
    });
  });
  beforeEach(() => (queued = []));
  afterAll(async () => {
    jest.restoreAllMocks();
    await pair?.close();
  });

  it('a statement failing in the batch (the last table) rolls back the tables before it: the node is unchanged', async () => {
    const { last } = tables();
    await change();
    const before = await digest('a');
    // Every row the next apply writes has a newer change_xid than any row now: the last table refuses them.
    const [{ xid }]: { xid: string }[] = await pair.a.dataSource.query(`SELECT pg_current_xact_id()::text AS xid`);
    await pair.a.dataSource.query(`ALTER TABLE ${q(last)} ADD CONSTRAINT batched_apply_refuses CHECK (change_xid <= ${Number(xid)}) NOT VALID`);
    try {
      const res = await pull(pair);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 502, error: 'ERR_APPLY_FAILED' });
      expect(res.body.message).toContain('batched_apply_refuses');
    } finally {
      await pair.a.dataSource.query(`ALTER TABLE ${q(last)} DROP CONSTRAINT batched_apply_refuses`);
    }
    // The research rows went in the same round trip as the failing statement.
    expect(queued.some((n) => n >= 2)).toBe(true);
    expect(await digest('a')).toBe(before);
    expect(await digest('a')).not.toBe(await digest('b'));
  });

  it('the pull then applies every table of the batch, with the counts of the statements one by one', async () => {
    const res = await pull(pair);
    expect(res.status).toBe(200);
    expect(queued.some((n) => n >= 2)).toBe(true);
    const researchRows = Number((await pair.b.dataSource.query(`SELECT count(*)::int AS n FROM research`))[0].n);
    const results = (res.body.summary?.tables ?? res.body.tables) as { table: string; received: number; updated: number }[];
    const research = results.find((t) => t.table === 'research')!;
    expect({ received: research.received, updated: research.updated }).toEqual({ received: researchRows, updated: researchRows });
    expect(await digest('a')).toBe(await digest('b'));
  });
});
