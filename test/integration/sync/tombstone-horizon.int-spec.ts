import request from 'supertest';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import { TombstoneHorizon } from '../../../src/sync/export/tombstone-horizon';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, pullInto, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/**
 * The tombstone horizon: old tombstones are purged; a peer whose cursor is older than the purge is
 * told so (ERR_BEHIND_HORIZON) instead of silently keeping rows the source deleted, and a full
 * resync deletes exactly the rows of that origin the source no longer has — with no resurrection.
 */
describe('tombstone horizon', () => {
  let pair: NodePair;
  const codesOf = async (node: 'a' | 'b', origin: string) =>
    (
      (await (node === 'a' ? pair.a : pair.b).dataSource.query(`SELECT code FROM snomed_laterality WHERE origin_node_id = $1 ORDER BY code`, [origin])) as {
        code: string;
      }[]
    ).map((r) => r.code);

  beforeAll(async () => {
    pair = await startPair({ ...BULK_HTTP_ENV, SYNC_TOMBSTONE_RETENTION_DAYS: '1' });
  });
  afterAll(() => pair?.close());

  it('refuses an incremental pull behind the horizon, and a full resync converges without resurrection', async () => {
    for (const code of ['kept', 'deleted-long-ago']) await laterality(pair.b, code);
    await pullInto(pair, 'a');
    await laterality(pair.a, 'made-on-a');
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'deleted-long-ago'`);
    // The delete is older than the retention (1 day): the next purge drops its tombstone.
    await pair.b.dataSource.query(`UPDATE tombstones SET deleted_at = deleted_at - interval '2 days' WHERE row_key = '{"code": "deleted-long-ago"}'`);
    expect(await pair.b.app.get(TombstoneHorizon).purge()).toBe(1);
    expect(await pair.b.dataSource.query(`SELECT count(*)::int AS n FROM tombstones WHERE row_key = '{"code": "deleted-long-ago"}'`)).toEqual([{ n: 0 }]);

    const behind = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    expect(behind.body.error).toBe('ERR_BEHIND_HORIZON');
    expect(behind.body.message).toMatch(/full resync/);
    expect(await lateralityRow(pair.a, 'deleted-long-ago')).toBeDefined();

    const resync = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA, fullResync: true });
    expect(resync.status).toBe(200);
    expect(await codesOf('a', 'node-b')).toEqual(await codesOf('b', 'node-b'));
    expect(await lateralityRow(pair.a, 'deleted-long-ago')).toBeUndefined();
    expect(await lateralityRow(pair.a, 'made-on-a')).toBeDefined();

    // Pulled back by B: the row B deleted does not come back, A's own row arrives, both nodes match.
    await pullInto(pair, 'b');
    expect(await lateralityRow(pair.b, 'deleted-long-ago')).toBeUndefined();
    expect(await lateralityRow(pair.b, 'made-on-a')).toBeDefined();
    await pullInto(pair, 'a');
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
  });

  it('a cursor newer than the horizon pulls incrementally as before', async () => {
    await laterality(pair.b, 'after-the-purge');
    const body = await pullInto(pair, 'a');
    expect(body.summary.totals.received).toBe(1);
  });

  it('a transaction held open elsewhere on the server does not make a fresh full resync look behind again', async () => {
    // Opened before the purged delete: it holds back the xmin of every later snapshot on the server.
    const longRunning = pair.b.dataSource.createQueryRunner();
    await longRunning.startTransaction();
    try {
      await longRunning.query('SELECT pg_current_xact_id()');
      await laterality(pair.b, 'deleted-while-open');
      await pullInto(pair, 'a');
      await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'deleted-while-open'`);
      await pair.b.dataSource.query(`UPDATE tombstones SET deleted_at = deleted_at - interval '2 days' WHERE row_key = '{"code": "deleted-while-open"}'`);
      expect(await pair.b.app.get(TombstoneHorizon).purge()).toBe(1);

      const behind = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
      expect(behind.body.error).toBe('ERR_BEHIND_HORIZON');
      const resync = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA, fullResync: true });
      expect(resync.status).toBe(200);
      expect(await lateralityRow(pair.a, 'deleted-while-open')).toBeUndefined();
      // Taken after the purge, the resync's cursor saw every purged delete, open transaction or not.
      await laterality(pair.b, 'after-the-resync');
      const body = await pullInto(pair, 'a');
      expect(body.summary.totals.received).toBe(1);
    } finally {
      await longRunning.rollbackTransaction();
      await longRunning.release();
    }
  });

  it('refuses a pull behind the horizon that has changes to fetch too, in the window it would have opened (released)', async () => {
    await laterality(pair.b, 'purged-before-a-change');
    await pullInto(pair, 'a');
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'purged-before-a-change'`);
    await pair.b.dataSource.query(`UPDATE tombstones SET deleted_at = deleted_at - interval '2 days' WHERE row_key = '{"code": "purged-before-a-change"}'`);
    expect(await pair.b.app.get(TombstoneHorizon).purge()).toBe(1);
    // Something to fetch: the manifest opens a window, and the cursor meets the horizon in its snapshot.
    await laterality(pair.b, 'changed-after-the-purge');

    const behind = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    expect(behind.body.error).toBe('ERR_BEHIND_HORIZON');
    expect(pair.b.app.get(ExportWindows).openCount).toBe(0);
    expect(await lateralityRow(pair.a, 'changed-after-the-purge')).toBeUndefined();
    const resync = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA, fullResync: true });
    expect(resync.status).toBe(200);
    expect(await lateralityRow(pair.a, 'purged-before-a-change')).toBeUndefined();
    expect(await lateralityRow(pair.a, 'changed-after-the-purge')).toBeDefined();
  });

  it('refuses a malformed fullResync flag', async () => {
    const res = await request(pair.a.url).post('/api/sync/jobs').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA, fullResync: 'yes' });
    expect([res.status, res.body.error]).toEqual([400, 'ERR_VALIDATION']);
  });
});
