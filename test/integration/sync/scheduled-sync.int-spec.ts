import request from 'supertest';
import type { ConnectionSyncStatus } from '../../../client/src/types';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { eventually } from '../../support/eventually';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer, loginAsResearcher } from '../../support/users';

/** Scheduled pulls (a connection converging on its own, backing off, pausing) and GET /api/sync/status. */
describe('scheduled sync', () => {
  let pair: NodePair;
  let peerUrl: string;

  const status = async (): Promise<ConnectionSyncStatus> => {
    const res = await request(pair.a.url).get('/api/sync/status').set(bearer(pair.adminA));
    expect(res.status).toBe(200);
    return res.body.find((s: ConnectionSyncStatus) => s.remoteNodeId === pair.peerOnA);
  };
  const schedule = (intervalSeconds: unknown, token = pair.adminA, peer = pair.peerOnA) =>
    request(pair.a.url).put(`/api/sync/schedules/${peer}`).set(bearer(token)).send({ intervalSeconds });
  const arrives = (code: string) => eventually(`${code} pulled by the schedule`, async () => (await lateralityRow(pair.a, code)) ?? undefined);

  beforeAll(async () => {
    pair = await startPair({
      ...BULK_HTTP_ENV,
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_SCHEDULE_BACKOFF_BASE_SECONDS: '1',
      SYNC_SCHEDULE_BACKOFF_MAX_SECONDS: '2',
      SYNC_SCHEDULE_PAUSE_AFTER: '2',
      SYNC_RETRY_ATTEMPTS: '1',
    });
    [{ url: peerUrl }] = await pair.a.dataSource.query(`SELECT node_url AS url FROM research_nodes WHERE id = $1`, [pair.peerOnA]);
  });
  afterAll(async () => {
    await schedule(null).catch(() => undefined);
    await pair?.close();
  });

  it('a connection without a schedule is off and pulls by hand only', async () => {
    expect(await status()).toMatchObject({ state: 'off', intervalSeconds: null, nextRunAt: null, lastSuccess: null, lastFailure: null });
  });

  it('a scheduled connection converges on its own', async () => {
    await laterality(pair.b, 'scheduled-1');
    const set = await schedule(1);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ remoteNodeId: pair.peerOnA, intervalSeconds: 1, pausedReason: null });
    expect(await arrives('scheduled-1')).toEqual(await lateralityRow(pair.b, 'scheduled-1'));
    await laterality(pair.b, 'scheduled-2');
    await arrives('scheduled-2');
    const now = await status();
    expect(['idle', 'running']).toContain(now.state);
    expect(now.lastSuccess).toEqual({ at: expect.any(String), jobId: expect.any(String) });
    // Both nodes run on this machine's clock: the measured skew is a small number.
    expect(Math.abs(now.clockSkewMs!)).toBeLessThan(5000);
    const [log] = await pair.a.dataSource.query(`SELECT requested_by AS by FROM sync_logs WHERE id = $1`, [now.lastSuccess!.jobId]);
    expect(log.by).toBe('scheduler');
  });

  it('backs off while the peer is unreachable, says why, and recovers when it is back', async () => {
    await pair.a.dataSource.query(`UPDATE research_nodes SET node_url = 'http://127.0.0.1:9' WHERE id = $1`, [pair.peerOnA]);
    const failing = await eventually('two failed scheduled pulls', async () => {
      const s = await status();
      return s.consecutiveFailures >= 2 && s.state !== 'running' ? s : undefined;
    });
    expect(failing).toMatchObject({ state: 'backing_off', pausedReason: null, lastFailure: expect.objectContaining({ code: 'ERR_PEER_UNREACHABLE' }) });
    expect(Date.parse(failing.nextRunAt!)).toBeGreaterThan(Date.parse(failing.lastFailure!.at));

    await pair.a.dataSource.query(`UPDATE research_nodes SET node_url = $2 WHERE id = $1`, [pair.peerOnA, peerUrl]);
    await laterality(pair.b, 'after-outage');
    await arrives('after-outage');
    const recovered = await eventually('failures reset by a success', async () => {
      const s = await status();
      return s.consecutiveFailures === 0 && s.lastFailure === null ? s : undefined;
    });
    expect(recovered.lastSuccess).not.toBeNull();
  });

  it('pauses after repeated permanent failures and resumes when the schedule is set again', async () => {
    await pair.a.dataSource.query(`UPDATE research_nodes SET node_access_level = 'ReadOnly' WHERE id = $1`, [pair.peerOnA]);
    const paused = await eventually('the schedule paused', async () => {
      const s = await status();
      return s.state === 'paused' ? s : undefined;
    });
    expect(paused.pausedReason).toMatch(/^ERR_INSUFFICIENT_CAPABILITY: /);
    expect(paused.nextRunAt).toBeNull();
    const failuresWhenPaused = paused.consecutiveFailures;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status()).consecutiveFailures).toBe(failuresWhenPaused);

    await pair.a.dataSource.query(`UPDATE research_nodes SET node_access_level = 'ReadWrite' WHERE id = $1`, [pair.peerOnA]);
    const resumed = await schedule(1);
    expect(resumed.body).toMatchObject({ pausedReason: null, consecutiveFailures: 0 });
    await laterality(pair.b, 'after-resume');
    await arrives('after-resume');
  });

  it('refuses bad schedules with clear errors; Admins only', async () => {
    for (const bad of [0, -5, 1.5, 'often', undefined, 31 * 24 * 3600]) {
      const res = await schedule(bad);
      expect([bad, res.status, res.body.error]).toEqual([bad, 400, expect.stringMatching(/^ERR_/)]);
    }
    expect((await schedule(5, await loginAsResearcher(pair.a))).status).toBe(403);
    expect((await request(pair.a.url).get('/api/sync/status')).status).toBe(401);
    const unknown = await schedule(5, pair.adminA, '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'ERR_NODE_NOT_FOUND']);
    expect((await schedule(5, pair.adminA, 'not-a-uuid')).status).toBe(400);
    const off = await schedule(null);
    expect(off.body).toMatchObject({ state: 'off', intervalSeconds: null, nextRunAt: null });
  });
});
