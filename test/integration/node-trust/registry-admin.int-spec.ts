import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { localNodeUuid } from '../../../src/core/local-node';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin, loginAsResearcher } from '../../support/users';
import { RawChannel } from './raw-channel';
import { levelFromWire } from '../../../src/nodes/node-wire';
import { authorizedClient, makeClientIdentity } from './trust-helpers';

describe('registry administration (Admin users)', () => {
  let node: TestNode;
  let admin: string;
  const api = () => request(node.url);

  async function registerPending(name: string, level = NodeAccessLevel.ReadOnly): Promise<string> {
    const peer = makeClientIdentity(name);
    const ch = await RawChannel.open(node.url);
    const answer = await ch.post('/api/node/register', {
      nodeId: name,
      nodeName: name,
      certificate: peer.certificateDer,
      nodeUrl: `http://${name}.example:3000`,
      requestedNodeAccessLevel: level,
    });
    expect(answer.body).toMatchObject({ success: true, status: 2, estimatedApprovalTime: '1.00:00:00' });
    return String(answer.body.registrationId);
  }

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'registry-admin', THROTTLE_STANDARD_PER_MINUTE: '10000' });
    admin = await loginAsAdmin(node);
  });
  afterAll(() => node?.close());

  it('requires an Admin user', async () => {
    expect((await api().get('/api/node/nodes')).status).toBe(401);
    const researcher = await loginAsResearcher(node);
    expect((await api().get('/api/node/nodes').set(bearer(researcher))).status).toBe(403);
    expect((await api().post(`/api/node/${localNodeUuid('registry-admin')}/approve`).set(bearer(researcher))).status).toBe(403);
  });

  it('approves a Pending registration with a level, lists it as active and never lists the local row', async () => {
    const id = await registerPending('peer-approve', NodeAccessLevel.ReadOnly);
    const unapproved = await api().get('/api/node/GetAllUnaprovedPaginated?page=1&pageSize=50').set(bearer(admin)).expect(200);
    expect(unapproved.body).toMatchObject({ currentPage: 1, pageSize: 50 });
    expect(unapproved.body.data.find((n: { id: string }) => n.id === id)).toMatchObject({ status: 2, nodeAccessLevel: 0, lastSyncedAt: null });

    const approved = await api().post(`/api/node/${id}/approve`).set(bearer(admin)).send({ nodeAccessLevel: NodeAccessLevel.ReadWrite }).expect(200);
    expect(approved.body).toMatchObject({ id, status: 1, nodeAccessLevel: 1 });
    const again = await api().post(`/api/node/${id}/approve`).set(bearer(admin));
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('ERR_INVALID_STATUS_TRANSITION');

    // As the reference: every connection whatever its status, and this node itself (IRIS's research form).
    const pending = await registerPending('peer-still-pending');
    const active = await api().get('/api/node/GetActiveNodeConnectionsPaginated').set(bearer(admin)).expect(200);
    expect(active.body.data.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([id, pending, localNodeUuid('registry-admin')]));
    const all = await api().get('/api/node/nodes').set(bearer(admin)).expect(200);
    expect(all.body.map((n: { id: string }) => n.id)).not.toContain(localNodeUuid('registry-admin'));
    expect((await api().get(`/api/node/${localNodeUuid('registry-admin')}`).set(bearer(admin))).status).toBe(404);
  });

  it('rejects, sets status, changes level, revokes and validates', async () => {
    const id = await registerPending('peer-reject');
    expect((await api().post(`/api/node/${id}/reject`).set(bearer(admin)).expect(200)).body.status).toBe(3);
    const status = await api().put(`/api/node/${id}/status`).set(bearer(admin)).send({ status: 1 }).expect(200);
    expect(status.body).toEqual({ message: 'Node status updated successfully', id, status: 1 });
    const bad = await api().put(`/api/node/${id}/status`).set(bearer(admin)).send({ status: 9 });
    expect(bad.status).toBe(400);
    expect(bad.body.errorDetail.code).toBe('ERR_INVALID_STATUS');
    expect((await api().put(`/api/node/${id}/access-level`).set(bearer(admin)).send({ nodeAccessLevel: 2 }).expect(200)).body.nodeAccessLevel).toBe(2);
    expect((await api().post(`/api/node/${id}/revoke`).set(bearer(admin)).expect(200)).body.status).toBe(3);
    const updated = await api().put(`/api/node/Update/${id}`).set(bearer(admin)).send({ nodeName: 'Renamed', contactInfo: 'ops@example.org' }).expect(200);
    expect(updated.body).toMatchObject({ nodeName: 'Renamed', contactInfo: 'ops@example.org', status: 3 });
    expect((await api().put(`/api/node/Update/${id}`).set(bearer(admin)).send({ nodeAccessLevel: 7 })).body.error).toBe('ERR_VALIDATION');
    expect((await api().get('/api/node/not-a-uuid').set(bearer(admin))).status).toBe(404);
    expect((await api().get('/api/node/GetAllUnaprovedPaginated?page=0').set(bearer(admin))).status).toBe(400);
  });

  it('adds a connection to a peer we pull from (URL + certificate) and reports its last completed sync', async () => {
    const peer = generateSelfSignedIdentity('upstream');
    const created = await api()
      .post('/api/node/NewConnection')
      .set(bearer(admin))
      .send({ nodeName: 'Upstream', nodeUrl: 'http://upstream.example:3000', certificate: peer.certificateDer, nodeAccessLevel: 0 })
      .expect(201);
    expect(created.body).toMatchObject({ nodeName: 'Upstream', status: 1, nodeAccessLevel: 0, lastSyncedAt: null, lastSyncStatus: null });
    const duplicate = await api().post('/api/node/NewConnection').set(bearer(admin)).send({ nodeName: 'Again', nodeUrl: 'http://x.example', certificate: peer.certificatePem });
    expect(duplicate.status).toBe(409);
    // Certificate and URL are optional, as in the reference; two such connections do not collide.
    for (const nodeName of ['NoCert', 'NoCert either']) {
      const bare = await api().post('/api/node/NewConnection').set(bearer(admin)).send({ NodeName: nodeName, Status: 2, NodeAccessLevel: 1 }).expect(201);
      expect(bare.body).toMatchObject({ nodeName, certificate: '', certificateFingerprint: '', nodeUrl: '', status: 2, nodeAccessLevel: 1 });
    }
    expect((await api().post('/api/node/NewConnection').set(bearer(admin)).send({ nodeUrl: 'http://x.example' })).status).toBe(400);

    await node.dataSource.query(
      `INSERT INTO sync_logs (id, remote_node_id, status, kind, started_at, completed_at) VALUES
         (gen_random_uuid(), $1, 'completed', 'pull', '2026-01-01T00:00:00Z', '2026-01-01T00:05:00Z'),
         (gen_random_uuid(), $1, 'completed', 'pull', '2026-01-02T00:00:00Z', '2026-01-02T00:05:00Z'),
         (gen_random_uuid(), $1, 'failed', 'pull', '2026-01-03T00:00:00Z', '2026-01-03T00:05:00Z')`,
      [created.body.id],
    );
    const one = await api().get(`/api/node/${created.body.id}`).set(bearer(admin)).expect(200);
    expect(one.body).toMatchObject({ lastSyncedAt: '2026-01-02T00:05:00.000Z', lastSyncStatus: 'completed' });
  });

  it('serves an IRIS-style call over the encrypted channel (Bearer + channel + node session): encrypted both ways', async () => {
    const path = '/api/node/GetActiveNodeConnectionsPaginated?page=1&pageSize=5';
    // A channel without its node session does not carry a user token to a user route (least privilege).
    const bare = await (await RawChannel.open(node.url)).send('get', path, { bearer: admin });
    expect([bare.status, bare.body.error]).toEqual([401, 'ERR_NO_SESSION_TOKEN']);
    const { client } = await authorizedClient(node, levelFromWire(NodeAccessLevel.ReadOnly)!, makeClientIdentity('iris-desktop'));
    const iris = { Authorization: `Bearer ${admin}` };
    // invoke refuses a plaintext success: the answers are encrypted.
    expect(await client.invoke('GET', path, undefined, iris)).toMatchObject({ currentPage: 1, pageSize: 5 });
    const id = await registerPending('peer-iris');
    expect(await client.invoke('POST', `/api/node/${id}/approve`, { ConnectionId: id }, iris)).toMatchObject({ id, status: 1 });
  });
});
