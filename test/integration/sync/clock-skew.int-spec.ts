import request from 'supertest';
import { ExportEngine } from '../../../src/sync/export/export-engine';
import { laterality, lateralityRow, withForcedTimestamps } from '../../support/sync-sql';
import { lateralityConflicts, NodePair, pullFrom, pullOk, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

const MINUTE = 60_000;

/** Newer-wins compares two institutions' clocks: skew is measured, shown, and refused beyond the limit. */
describe('clock skew', () => {
  let pair: NodePair;
  let peerOnB: string;
  let skewB = 0;

  const pullA = () => pullFrom(pair.a, pair.adminA, pair.peerOnA);
  const pullB = () => pullFrom(pair.b, pair.adminB, peerOnB);
  const ok = pullOk;
  const lastLog = async () => (await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ remoteNodeId: pair.peerOnA, pageSize: 1 })).body.data[0];
  const connectionOnA = async () =>
    (await request(pair.a.url).get('/api/node/GetActiveNodeConnectionsPaginated').set(bearer(pair.adminA)).expect(200)).body.data.find(
      (c: { id: string }) => c.id === pair.peerOnA,
    );
  const conflicts = (code: string) => lateralityConflicts(pair.a, pair.adminA, code);

  beforeAll(async () => {
    pair = await startPair();
    peerOnB = pair.requesterOnB;
    // Both nodes run in this process, on one clock: B's manifest tells the time B's clock would.
    const engine = pair.b.app.get(ExportEngine);
    const manifest = engine.manifest.bind(engine);
    jest.spyOn(engine, 'manifest').mockImplementation(async (...args) => {
      const m = await manifest(...args);
      return { ...m, serverTime: new Date(Date.parse(m.serverTime) + skewB).toISOString() };
    });
  });
  afterAll(() => pair?.close());

  it('a skew within the limit is measured and shown in the sync log and the connection list', async () => {
    skewB = 30_000;
    await ok(pullA());
    const log = await lastLog();
    expect(log.status).toBe('completed');
    expect(log.clockSkewMs).toBeGreaterThan(25_000);
    expect(log.clockSkewMs).toBeLessThan(35_000);
    expect((await connectionOnA()).lastClockSkewMs).toBe(log.clockSkewMs);
  });

  it('a skew beyond the limit refuses the pull with both clocks and the limit', async () => {
    skewB = -5 * MINUTE;
    const res = await pullA();
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('ERR_CLOCK_SKEW');
    expect(res.body.message).toMatch(/\d{4}-\d\d-\d\dT.*\d{4}-\d\d-\d\dT/);
    expect(res.body.message).toContain('2 min');
    expect(res.body).toMatchObject({ limitMs: 2 * MINUTE, localTime: expect.any(String), peerTime: expect.any(String) });
    expect(res.body.skewMs).toBeLessThan(-4 * MINUTE);
    const log = await lastLog();
    expect(log).toMatchObject({ status: 'failed', errorCode: 'ERR_CLOCK_SKEW' });
    expect(log.clockSkewMs).toBeLessThan(-4 * MINUTE);
    expect((await connectionOnA()).lastClockSkewMs).toBe(log.clockSkewMs);
    skewB = 0;
  });

  it('a row stamped further in the future than the limit is archived, not applied as the winner', async () => {
    await laterality(pair.b, 'future');
    await ok(pullA());
    const before = await lateralityRow(pair.a, 'future');
    await withForcedTimestamps(pair.b, [[`UPDATE snomed_laterality SET display_name = 'from 2100', updated_at = '2100-01-01T00:00:00Z' WHERE code = 'future'`]]);
    await ok(pullA());
    expect(await lateralityRow(pair.a, 'future')).toEqual(before);
    expect(await conflicts('future')).toEqual([
      expect.objectContaining({ winner: 'local', rule: 'future_timestamp', remoteVersion: expect.objectContaining({ displayName: 'from 2100' }) }),
    ]);
  });

  it('a row stamped far in the future freezes no later edit, on either node', async () => {
    // B still holds 'future' stamped 2100 (previous test); A kept its older copy.
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET description = 'edited on B' WHERE code = 'future'`);
    const onB = (await lateralityRow(pair.b, 'future'))!;
    expect(onB.updated < '2099').toBe(true);
    // An edit on A wins on B over B's earlier edit, and the other way round: both nodes converge.
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'edited on A' WHERE code = 'future'`);
    await ok(pullB());
    expect(await lateralityRow(pair.b, 'future')).toEqual(await lateralityRow(pair.a, 'future'));
    await withForcedTimestamps(pair.a, [[`UPDATE snomed_laterality SET display_name = 'stamped 2100 on A', updated_at = '2100-01-01T00:00:00Z' WHERE code = 'future'`]]);
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'later edit on B' WHERE code = 'future'`);
    await ok(pullA());
    expect((await lateralityRow(pair.a, 'future'))!.name).toBe('later edit on B');
    expect(await lateralityRow(pair.a, 'future')).toEqual(await lateralityRow(pair.b, 'future'));
  });

  it('a delete stamped beyond the limit is archived, not applied; a local delete stamped that far ahead does not block a newer row', async () => {
    await laterality(pair.b, 'future-delete');
    await ok(pullA());
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'future-delete'`);
    await pair.b.dataSource.query(`UPDATE tombstones SET deleted_at = '2100-01-01T00:00:00Z' WHERE row_key = '{"code": "future-delete"}'`);
    await ok(pullA());
    expect(await lateralityRow(pair.a, 'future-delete')).toBeDefined();
    expect(await conflicts('future-delete')).toEqual([
      expect.objectContaining({ winner: 'local', rule: 'future_timestamp', remoteVersion: expect.objectContaining({ deleted: true }) }),
    ]);
    // B re-creates the row, stamped by its clock (not after its 2100 delete). A deleted its copy
    // meanwhile with a delete stamped 2100: that tombstone must not keep B's newer row out.
    await laterality(pair.b, 'future-delete', 'alive again');
    await pair.a.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'future-delete'`);
    await pair.a.dataSource.query(`UPDATE tombstones SET deleted_at = '2100-01-01T00:00:00Z' WHERE row_key = '{"code": "future-delete"}'`);
    await ok(pullA());
    expect((await lateralityRow(pair.a, 'future-delete'))?.name).toBe('alive again');
  });
});
