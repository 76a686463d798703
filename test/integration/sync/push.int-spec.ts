import request from 'supertest';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer, loginAsResearcher } from '../../support/users';

/** Push = ask the peer to pull: A asks B to pull from A now; B decides with its own settings and grants. */
describe('push requests', () => {
  let pair: NodePair;

  const push = (token = pair.adminA) => request(pair.a.url).post('/api/sync/push').set(bearer(token)).send({ remoteNodeId: pair.peerOnA });
  const follow = (jobId: string) => request(pair.a.url).get(`/api/sync/push/${pair.peerOnA}/jobs/${jobId}`).set(bearer(pair.adminA));
  const acceptOnB = (accept: boolean) =>
    request(pair.b.url).put(`/api/sync/schedules/${pair.requesterOnB}`).set(bearer(pair.adminB)).send({ acceptPushRequests: accept });

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
  });
  afterAll(() => pair?.close());

  it('is refused while the peer does not accept push requests from this node (the default)', async () => {
    const res = await push();
    expect([res.status, res.body.error]).toEqual([403, 'ERR_PUSH_NOT_ALLOWED']);
    expect(res.body.message).toMatch(/does not accept push requests/);
    const [{ n }] = await pair.b.dataSource.query(`SELECT count(*)::int AS n FROM sync_logs`);
    expect(n).toBe(0);
  });

  it('makes the peer pull from this node, with its progress followed from here', async () => {
    const accepted = await acceptOnB(true);
    expect(accepted.body).toMatchObject({ acceptPushRequests: true, intervalSeconds: null, state: 'off' });
    await laterality(pair.a, 'pushed-from-a');
    const res = await push();
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ remoteNodeId: pair.peerOnA, remoteJobId: expect.any(String) });
    let progress: { state: string } = { state: 'running' };
    for (let i = 0; i < 300 && progress.state === 'running'; i++) {
      const answer = await follow(res.body.remoteJobId);
      expect(answer.status).toBe(200);
      progress = answer.body;
      if (progress.state === 'running') await new Promise((r) => setTimeout(r, 100));
    }
    expect(progress).toMatchObject({ state: 'completed', jobId: res.body.remoteJobId });
    expect(await lateralityRow(pair.b, 'pushed-from-a')).toEqual(await lateralityRow(pair.a, 'pushed-from-a'));
    const [log] = await pair.b.dataSource.query(`SELECT requested_by AS by, remote_node_id AS peer FROM sync_logs WHERE id = $1`, [res.body.remoteJobId]);
    expect(log).toEqual({ by: `push:${pair.requesterOnB}`, peer: pair.requesterOnB });
  });

  it('shows a peer only its own jobs, refuses bad ids, and is for operators', async () => {
    const unknown = await follow('00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'ERR_JOB_NOT_FOUND']);
    expect((await follow('not-a-uuid')).status).toBe(400);
    expect((await request(pair.a.url).post('/api/sync/push').send({ remoteNodeId: pair.peerOnA })).status).toBe(401);
    expect((await push(await loginAsResearcher(pair.a))).status).toBe(202);
    const bad = await request(pair.a.url).post('/api/sync/push').set(bearer(pair.adminA)).send({ remoteNodeId: 'x' });
    expect(bad.status).toBe(400);
  });

  it('stops when the peer turns push requests off again', async () => {
    await acceptOnB(false);
    await new Promise((r) => setTimeout(r, 500)); // the previous test's pull may still be finishing on B
    const res = await push();
    expect([res.status, res.body.error]).toEqual([403, 'ERR_PUSH_NOT_ALLOWED']);
  });
});
