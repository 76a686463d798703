import type { ConnectionSyncStatus } from '../../client/src/types';
import { eventually } from '../support/eventually';
import { laterality, lateralityRow } from '../support/sync-sql';
import { call } from './harness/http';
import type { E2ENode, ProcessPair } from './harness/process-cluster';
import { verifyOf } from './harness/requester';
import { SourceData } from './harness/source-data';
import { recordSummary } from './harness/summary';
import { startPair } from './harness/target';

/**
 * A, the requester, runs the scheduler every second with short back-offs and fails a pull at once
 * (one attempt, short timeout); it is also the source of the tombstone-horizon scenario: deletes
 * older than a day are purged every minute (the shortest purge interval the setting allows).
 */
const A_ENV = {
  SYNC_SCHEDULER_TICK_SECONDS: '1',
  SYNC_SCHEDULE_BACKOFF_BASE_SECONDS: '1',
  SYNC_SCHEDULE_BACKOFF_MAX_SECONDS: '2',
  SYNC_RETRY_ATTEMPTS: '1',
  SYNC_PEER_TIMEOUT_MS: '3000',
  SYNC_TOMBSTONE_RETENTION_DAYS: '1',
  SYNC_TOMBSTONE_PURGE_MINUTES: '1',
};
const PURGED_KEY = `'{"code": "deleted-long-ago"}'`;

/**
 * Issue 19's operator features with two node processes (`node dist/src/main.js`) over real HTTP:
 * scheduled pulls (converging, backing off while the source is down, recovering by themselves),
 * push requests, restoring a conflict's losing version, and a peer behind the tombstone horizon.
 * A pulls from B through the fault proxy; B pulls from A directly (A's registration on B).
 */
describe('operator features between two node processes', () => {
  let pair: ProcessPair;
  let a: E2ENode;
  let b: E2ENode;
  /** A's registration on B: the connection B pulls from A with. */
  let aOnB: string;
  /** Each node's database as the node itself writes it (its connection settings stamp the rows' origin). */
  const dbs = new Map<E2ENode, SourceData>();
  const notes: string[] = [];
  let passed = 0;

  const db = (node: E2ENode) => dbs.get(node)!;
  const sql = async <T = Record<string, unknown>>(node: E2ENode, text: string, params: unknown[] = []): Promise<T[]> => (await db(node).dataSource.query(text, params)) as T[];
  const arrives = (node: E2ENode, code: string) => eventually(`${code} pulled by the schedule`, () => lateralityRow(db(node), code));
  const peerOf = (node: E2ENode) => (node === a ? pair.peerOnA : aOnB);
  const pull = (into: E2ENode, extra: Record<string, unknown> = {}) => call(into.url, 'POST', '/api/sync/pull', { token: into.admin, body: { remoteNodeId: peerOf(into), ...extra } });
  const pullOk = async (into: E2ENode, extra: Record<string, unknown> = {}) => {
    const res = await pull(into, extra);
    if (res.status !== 200) throw new Error(`pull into ${into.proc.options.nodeId} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const statusOnA = async (): Promise<ConnectionSyncStatus> => {
    const res = await call<ConnectionSyncStatus[]>(a.url, 'GET', '/api/sync/status', { token: a.admin });
    expect(res.status).toBe(200);
    return res.body.find((s) => s.remoteNodeId === pair.peerOnA)!;
  };
  const schedule = (node: E2ENode, body: Record<string, unknown>) => call(node.url, 'PUT', `/api/sync/schedules/${peerOf(node)}`, { token: node.admin, body });
  const converged = async () => {
    const [va, vb] = await Promise.all([verifyOf(a), verifyOf(b)]);
    expect(va.digest).toBe(vb.digest);
  };

  beforeAll(async () => {
    pair = await startPair(A_ENV);
    ({ a, b } = pair);
    for (const node of [a, b]) dbs.set(node, await SourceData.open(node));
    [{ id: aOnB }] = await sql<{ id: string }>(b, `SELECT id FROM research_nodes WHERE protocol_node_id = 'node-a' AND NOT is_local`);
  }, 180_000);

  afterAll(async () => {
    recordSummary({ spec: 'operator-features', scenarios: 4, failures: 4 - passed, notes });
    for (const db of dbs.values()) await db.close().catch(() => undefined);
    await pair?.close();
  }, 60_000);

  it('a scheduled connection converges on its own, backs off while its source is down, and recovers without operator action', async () => {
    expect(await statusOnA()).toMatchObject({ state: 'off', intervalSeconds: null, nextRunAt: null });
    await laterality(db(b), 'scheduled-1');
    const set = await schedule(a, { intervalSeconds: 1 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ remoteNodeId: pair.peerOnA, intervalSeconds: 1, pausedReason: null });
    expect(await arrives(a, 'scheduled-1')).toEqual(await lateralityRow(db(b), 'scheduled-1'));
    const running = await statusOnA();
    expect(running.lastSuccess).toEqual({ at: expect.any(String), jobId: expect.any(String) });

    // The source process goes away: the scheduled pulls fail, and the status says so and when the next try is.
    await b.proc.kill9();
    const failing = await eventually('two failed scheduled pulls', async () => {
      const s = await statusOnA();
      return s.consecutiveFailures >= 2 && s.state !== 'running' ? s : undefined;
    });
    expect(failing).toMatchObject({ state: 'backing_off', pausedReason: null, lastFailure: expect.objectContaining({ code: 'ERR_PEER_UNREACHABLE' }) });
    expect(Date.parse(failing.nextRunAt!)).toBeGreaterThan(Date.parse(failing.lastFailure!.at));
    notes.push(`source down: ${failing.consecutiveFailures} failed scheduled pulls (${failing.lastFailure!.code}), next run ${failing.nextRunAt}`);

    // Written while the source is down, pulled once it is back, with nobody asking.
    await laterality(db(b), 'during-outage');
    await b.proc.start();
    expect(await arrives(a, 'during-outage')).toEqual(await lateralityRow(db(b), 'during-outage'));
    const recovered = await eventually('failures reset by a success', async () => {
      const s = await statusOnA();
      return s.consecutiveFailures === 0 && s.lastFailure === null && s.state !== 'running' ? s : undefined;
    });
    expect(recovered).toMatchObject({ state: 'idle', lastSuccess: expect.objectContaining({ jobId: expect.any(String) }) });
    expect(recovered.lastSuccess!.jobId).not.toBe(running.lastSuccess!.jobId);
    const [log] = await sql<{ by: string }>(a, `SELECT requested_by AS by FROM sync_logs WHERE id = $1`, [recovered.lastSuccess!.jobId]);
    expect(log.by).toBe('scheduler');

    // Back to pulls by hand, so the next tests decide when A pulls.
    expect((await schedule(a, { intervalSeconds: null })).status).toBe(200);
    await eventually('the schedule off and idle', async () => {
      const s = await statusOnA();
      return s.state === 'off' && s.runningJobId === null ? s : undefined;
    });
    passed++;
  }, 120_000);

  it('a peer behind the tombstone horizon gets ERR_BEHIND_HORIZON, and a full resync converges with no resurrected row', async () => {
    // B holds a row of A; A deletes it and the delete is made older than the retention. Nothing
    // pulls either way until A's own periodic purge (every minute since A started) has dropped it:
    // B would receive the delete in time, and A would take the row back from B once purged.
    for (const code of ['kept', 'deleted-long-ago']) await laterality(db(a), code);
    await pullOk(b);
    expect(await lateralityRow(db(b), 'deleted-long-ago')).toBeDefined();
    await sql(a, `DELETE FROM snomed_laterality WHERE code = 'deleted-long-ago'`);
    await sql(a, `UPDATE tombstones SET deleted_at = deleted_at - interval '2 days' WHERE row_key = ${PURGED_KEY}`);
    expect(await sql(a, `SELECT 1 FROM tombstones WHERE row_key = ${PURGED_KEY} AND deleted_at < now() - interval '1 day'`)).toHaveLength(1);
    const waitStart = Date.now();
    await eventually('A to purge the old tombstone', async () => ((await sql(a, `SELECT 1 FROM tombstones WHERE row_key = ${PURGED_KEY}`)).length === 0 ? true : undefined), 150);
    expect(await sql(a, `SELECT 1 FROM sync_horizon WHERE id = 1`)).toHaveLength(1);
    notes.push(`A's periodic purge came ${Math.round((Date.now() - waitStart) / 1000)} s after the backdated delete`);

    const behind = await pull(b);
    // A's refusal, passed on by B as a peer's error (502) with A's code.
    expect([behind.status, behind.body.error]).toEqual([502, 'ERR_BEHIND_HORIZON']);
    expect(behind.body.message).toMatch(/full resync/);
    expect(await lateralityRow(db(b), 'deleted-long-ago')).toBeDefined();

    await pullOk(b, { fullResync: true });
    expect(await lateralityRow(db(b), 'deleted-long-ago')).toBeUndefined();
    expect(await lateralityRow(db(b), 'kept')).toEqual(await lateralityRow(db(a), 'kept'));
    // Pulled back by A: the deleted row does not come back from B; both nodes hold the same data.
    await pullOk(a);
    expect(await lateralityRow(db(a), 'deleted-long-ago')).toBeUndefined();
    await converged();
    // The resync's cursor is past the horizon: the next pull is incremental again.
    await laterality(db(a), 'after-the-resync');
    expect((await pullOk(b)).summary.totals.received).toBe(1);
    passed++;
  }, 180_000);

  it('a push request makes the peer pull now, once its connection accepts push requests', async () => {
    await laterality(db(a), 'pushed-from-a');
    const push = () => call(a.url, 'POST', '/api/sync/push', { token: a.admin, body: { remoteNodeId: pair.peerOnA } });
    const refused = await push();
    expect([refused.status, refused.body.error]).toEqual([403, 'ERR_PUSH_NOT_ALLOWED']);
    expect(await lateralityRow(db(b), 'pushed-from-a')).toBeUndefined();

    const accepted = await schedule(b, { acceptPushRequests: true });
    expect([accepted.status, accepted.body.acceptPushRequests]).toEqual([200, true]);
    const res = await push();
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ remoteNodeId: pair.peerOnA, remoteJobId: expect.any(String) });
    const progress = await eventually('the pushed pull to finish on B', async () => {
      const answer = await call(a.url, 'GET', `/api/sync/push/${pair.peerOnA}/jobs/${res.body.remoteJobId}`, { token: a.admin });
      expect(answer.status).toBe(200);
      return answer.body.state === 'running' ? undefined : answer.body;
    });
    expect(progress).toMatchObject({ state: 'completed', jobId: res.body.remoteJobId });
    // The job is B's: B's own job record and sync log say who asked.
    const onB = await call(b.url, 'GET', `/api/sync/jobs/${res.body.remoteJobId}`, { token: b.admin });
    expect([onB.status, onB.body.state]).toEqual([200, 'completed']);
    const [log] = await sql<{ by: string }>(b, `SELECT requested_by AS by FROM sync_logs WHERE id = $1`, [res.body.remoteJobId]);
    expect(log.by).toBe(`push:${aOnB}`);
    expect(await lateralityRow(db(b), 'pushed-from-a')).toEqual(await lateralityRow(db(a), 'pushed-from-a'));
    await converged();
    passed++;
  }, 120_000);

  it('a conflict\'s losing version, restored by an Admin, wins on both nodes after pulls both ways', async () => {
    await laterality(db(b), 'contested');
    await pullOk(a);
    await sql(a, `UPDATE snomed_laterality SET display_name = 'older edit on A' WHERE code = 'contested'`);
    await sql(b, `UPDATE snomed_laterality SET display_name = 'newer edit on B' WHERE code = 'contested'`);
    await pullOk(a);
    const lost = (await lateralityRow(db(a), 'contested'))!;
    expect(lost.name).toBe('newer edit on B');
    const conflicts = await call(a.url, 'GET', '/api/sync/conflicts?table=snomed_laterality&pageSize=200', { token: a.admin });
    const found = conflicts.body.data.filter((c: { key: { code: string } }) => c.key.code === 'contested');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ winner: 'remote', restoredAt: null });

    const restored = await call(a.url, 'POST', `/api/sync/conflicts/${found[0].id}/restore`, { token: a.admin });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ action: 'written', table: 'snomed_laterality', key: { code: 'contested' } });
    const back = (await lateralityRow(db(a), 'contested'))!;
    expect(back.name).toBe('older edit on A');
    expect(back.updated > lost.updated).toBe(true);

    await pullOk(b);
    expect(await lateralityRow(db(b), 'contested')).toEqual(back);
    await pullOk(a);
    expect(await lateralityRow(db(a), 'contested')).toEqual(back);
    await converged();
    const again = await call(a.url, 'POST', `/api/sync/conflicts/${found[0].id}/restore`, { token: a.admin });
    expect([again.status, again.body.error]).toEqual([409, 'ERR_CONFLICT_ALREADY_RESTORED']);
    passed++;
  }, 120_000);
});
