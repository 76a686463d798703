import request from 'supertest';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, pull, startPair } from '../../support/two-nodes';

/**
 * The change feed delivers each change once: a transaction that stays open on the source's server
 * while rows are written and pulled (it holds the snapshot's xmin back) does not make the next pull
 * deliver those rows again, and its own rows arrive by the pull after it commits.
 */
describe('change feed precision', () => {
  let pair: NodePair;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
  });
  afterAll(() => pair?.close());

  const received = async () => {
    const res = await pull(pair);
    if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.summary.totals.received as number;
  };

  it('re-delivers nothing while an older transaction stays open, and delivers that transaction once when it commits', async () => {
    await received();
    const held = pair.b.dataSource.createQueryRunner();
    await held.connect();
    try {
      await held.query('BEGIN');
      // The held transaction gets its xid now, before the rows below: every snapshot's xmin stays at it.
      await held.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('late', 'late', 'd', true)`);
      for (const code of ['p1', 'p2', 'p3']) await laterality(pair.b, code);
      expect(await received()).toBe(3);
      expect(await received()).toBe(0);
      expect(await received()).toBe(0);
      await held.query('COMMIT');
    } finally {
      await held.release();
    }
    expect(await received()).toBe(1);
    expect(await lateralityRow(pair.a, 'late')).toEqual(await lateralityRow(pair.b, 'late'));
    expect(await received()).toBe(0);
    const verify = await request(pair.a.url).get('/api/sync/verify').set('Authorization', `Bearer ${pair.adminA}`);
    expect(verify.status).toBe(200);
  });
});
