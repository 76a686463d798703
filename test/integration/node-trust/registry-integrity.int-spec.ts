import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';
import { makeClientIdentity, TestPeer } from './trust-helpers';
import { peerRejection } from '../../support/peer-rejection';

const ROW = `SELECT node_name, node_url, contact_info, institution_details, status, node_access_level, protocol_node_id FROM research_nodes WHERE id = $1`;

async function register(
  node: TestNode,
  peer: TestPeer,
  fields: { nodeUrl?: string; contactInfo?: string; requestedNodeAccessLevel?: NodeAccessLevel } = {},
  signTranscript = true,
) {
  const client = new NodeChannelClient({ url: node.url }, peer, { signTranscript });
  await client.openChannel();
  return client.register(fields);
}

describe('registry integrity: a registration over a channel never changes a known row', () => {
  let node: TestNode;
  let admin: string;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'integrity', THROTTLE_STANDARD_PER_MINUTE: '1000' });
    admin = await loginAsAdmin(node);
  });
  afterAll(async () => {
    await node?.close();
  });

  it('a known certificate asking for another URL and a higher level leaves the row as it was and files a requested change', async () => {
    const peer = makeClientIdentity('known-peer');
    const first = await register(node, peer, { nodeUrl: 'http://peer.example', requestedNodeAccessLevel: NodeAccessLevel.ReadOnly });
    const id = String(first.registrationId);
    await node.app.get(NodeRegistryService).update(id, { status: AuthorizationStatus.Authorized, nodeAccessLevel: NodeAccessLevelName.ReadWrite });
    const before = await node.dataSource.query(ROW, [id]);

    const again = await register(node, peer, { nodeUrl: 'http://attacker.example', contactInfo: 'evil', requestedNodeAccessLevel: NodeAccessLevel.Admin });
    expect(again).toMatchObject({ success: true, registrationId: id, status: 1 });
    expect(await node.dataSource.query(ROW, [id])).toEqual(before);

    const waiting = await request(node.url).get('/api/node/GetAllUnaprovedPaginated').set(bearer(admin));
    const listed = waiting.body.data.find((n: { id: string }) => n.id === id);
    expect(listed).toMatchObject({ status: 1, nodeUrl: 'http://peer.example', requestedChange: { nodeUrl: 'http://attacker.example', contactInfo: 'evil', nodeAccessLevel: 2 } });

    const rejected = await request(node.url).post(`/api/node/${id}/reject`).set(bearer(admin)).send({});
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 1, nodeUrl: 'http://peer.example', requestedChange: null });
    expect(await node.dataSource.query(ROW, [id])).toEqual(before);
  });

  it('an Admin who approves the requested change applies it', async () => {
    const peer = makeClientIdentity('moving-peer');
    const id = String((await register(node, peer, { nodeUrl: 'http://old.example' })).registrationId);
    await node.app.get(NodeRegistryService).update(id, { status: AuthorizationStatus.Authorized });
    await register(node, peer, { nodeUrl: 'http://new.example', requestedNodeAccessLevel: NodeAccessLevel.ReadWrite });
    const approved = await request(node.url).post(`/api/node/${id}/approve`).set(bearer(admin)).send({});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 1, nodeUrl: 'http://new.example', nodeAccessLevel: 1, requestedChange: null });
  });

  it('a Pending node asking again files a change too; rejecting the node drops it', async () => {
    const peer = makeClientIdentity('pending-peer');
    const id = String((await register(node, peer, { nodeUrl: 'http://first.example' })).registrationId);
    await register(node, peer, { nodeUrl: 'http://second.example' });
    const [pending] = await node.dataSource.query(`SELECT status, node_url, requested_change->>'nodeUrl' AS requested FROM research_nodes WHERE id = $1`, [id]);
    expect(pending).toEqual({ status: 'Pending', node_url: 'http://first.example', requested: 'http://second.example' });
    const rejected = await request(node.url).post(`/api/node/${id}/reject`).set(bearer(admin)).send({});
    expect(rejected.body).toMatchObject({ status: 3, requestedChange: null });
  });

  it('the same request again is no new change, and a lower level is no change at all', async () => {
    const peer = makeClientIdentity('steady-peer');
    const id = String((await register(node, peer, { nodeUrl: 'http://steady.example', requestedNodeAccessLevel: NodeAccessLevel.ReadWrite })).registrationId);
    await node.app.get(NodeRegistryService).update(id, { status: AuthorizationStatus.Authorized });
    const lower = await register(node, peer, { nodeUrl: 'http://steady.example', requestedNodeAccessLevel: NodeAccessLevel.ReadOnly });
    expect(lower.message).toMatch(/nothing changed/);
    const [row] = await node.dataSource.query(`SELECT requested_change, node_access_level FROM research_nodes WHERE id = $1`, [id]);
    expect(row).toEqual({ requested_change: null, node_access_level: 'ReadWrite' });
  });

  it('a node that signed its transcript before: an unsigned registration with its (public) certificate files nothing', async () => {
    const peer = makeClientIdentity('signing-peer');
    const id = String((await register(node, peer, { nodeUrl: 'http://signing.example' })).registrationId);
    await node.app.get(NodeRegistryService).update(id, { status: AuthorizationStatus.Authorized });
    const error = await peerRejection(register(node, peer, { nodeUrl: 'http://attacker.example' }, false));
    expect(error.code).toBe('ERR_TRANSCRIPT_SIGNATURE_REQUIRED');
    const [row] = await node.dataSource.query(`SELECT requested_change, node_url FROM research_nodes WHERE id = $1`, [id]);
    expect(row).toEqual({ requested_change: null, node_url: 'http://signing.example' });
  });

  it('a Revoked certificate stays Revoked: 403 ERR_NODE_REVOKED, row unchanged', async () => {
    const peer = makeClientIdentity('revoked-peer');
    const id = String((await register(node, peer)).registrationId);
    await node.app.get(NodeRegistryService).update(id, { status: AuthorizationStatus.Revoked });
    const before = await node.dataSource.query(ROW, [id]);
    const error = await peerRejection(register(node, peer, { nodeUrl: 'http://elsewhere.example', requestedNodeAccessLevel: NodeAccessLevel.Admin }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('ERR_NODE_REVOKED');
    expect(await node.dataSource.query(ROW, [id])).toEqual(before);
  });
});

describe('registry integrity: registration requests are bounded and expire', () => {
  it('refuses new registrations beyond MAX_PENDING_REGISTRATIONS, and expired requests make room again', async () => {
    const node = await startTestNode({ NODE_ID: 'bounded', MAX_PENDING_REGISTRATIONS: '2', PENDING_REGISTRATION_TTL_HOURS: '1', THROTTLE_STANDARD_PER_MINUTE: '1000' });
    try {
      await register(node, makeClientIdentity('flood-1'));
      await register(node, makeClientIdentity('flood-2'));
      const error = await peerRejection(register(node, makeClientIdentity('flood-3')));
      expect(error.status).toBe(429);
      expect(error.code).toBe('ERR_REGISTRATION_LIMIT');
      const [{ pending }] = await node.dataSource.query(`SELECT count(*)::int AS pending FROM research_nodes WHERE status = 'Pending'`);
      expect(pending).toBe(2);

      await node.dataSource.query(`UPDATE research_nodes SET registered_at = clock_timestamp() - interval '2 hours' WHERE status = 'Pending'`);
      await register(node, makeClientIdentity('flood-4'));
      const names = await node.dataSource.query(`SELECT node_name FROM research_nodes WHERE status = 'Pending' ORDER BY node_name`);
      expect(names).toEqual([{ node_name: 'flood-4' }]);
    } finally {
      await node.close();
    }
  });

  it('refuses new registrations from one address beyond REGISTRATIONS_PER_IP_PER_HOUR', async () => {
    const node = await startTestNode({ NODE_ID: 'per-ip', REGISTRATIONS_PER_IP_PER_HOUR: '2', THROTTLE_STANDARD_PER_MINUTE: '1000' });
    try {
      await register(node, makeClientIdentity('ip-1'));
      await register(node, makeClientIdentity('ip-2'));
      const error = await peerRejection(register(node, makeClientIdentity('ip-3')));
      expect(error.status).toBe(429);
      expect(error.code).toBe('ERR_REGISTRATION_LIMIT');
    } finally {
      await node.close();
    }
  });
});
