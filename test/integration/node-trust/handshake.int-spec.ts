import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { localNodeUuid } from '../../../src/core/local-node';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { PeerError } from '../../../src/core/errors/peer-error';
import { LocalIdentity } from '../../../src/node-trust/identity/local-identity';
import { TrustStateStore } from '../../../src/node-trust/state/trust-state.store';
import { startTestNode, TestNode } from '../../support/test-node';
import { clientOf, introduce } from './trust-helpers';

describe('PRISM handshake node A → node B over HTTP', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    a = await startTestNode({ NODE_ID: 'trust-a' });
    b = await startTestNode({ NODE_ID: 'trust-b', THROTTLE_STANDARD_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('upserts the local research_nodes row at boot', async () => {
    const rows = await b.dataSource.query(`SELECT id, is_local, status, node_access_level, certificate_fingerprint FROM research_nodes WHERE is_local`);
    expect(rows).toEqual([
      {
        id: localNodeUuid('trust-b'),
        is_local: true,
        status: 'Authorized',
        node_access_level: 'Admin',
        certificate_fingerprint: b.app.get(LocalIdentity).fingerprint,
      },
    ]);
  });

  it('runs phases 1-4 with our client and serves session endpoints encrypted', async () => {
    const registryId = await introduce(a, b, NodeAccessLevel.ReadWrite);
    const client = clientOf(a, b);
    await client.connect();
    expect(client.grantedAccessLevel).toBe(NodeAccessLevel.ReadWrite);
    const whoami = await client.invoke<Record<string, unknown>>('POST', '/api/session/whoami', {});
    expect(whoami).toMatchObject({ nodeId: registryId, capabilities: NodeAccessLevel.ReadWrite, channelId: client.channelId });
    const row = await b.dataSource.query(`SELECT last_authenticated_at FROM research_nodes WHERE id = $1`, [registryId]);
    expect(row[0].last_authenticated_at).not.toBeNull();
    const renewed = await client.invoke<{ remainingSeconds: number }>('POST', '/api/session/renew', { additionalSeconds: 600 });
    expect(renewed.remainingSeconds).toBeGreaterThan(3600);
    await client.close();
  });

  it('answers a raw channel request with an encrypted envelope and the X-Channel-Id / X-Session-Id headers', async () => {
    const client = clientOf(a, b);
    await client.connect();
    const res = await request(b.url)
      .post('/api/session/whoami')
      .set('X-Channel-Id', client.channelId!)
      .set('X-Session-Id', client.sessionToken!)
      .send({});
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['authTag', 'encryptedData', 'iv']);
    expect(res.headers['x-channel-id']).toBe(client.channelId);
    expect(res.headers['x-session-id']).toBe(client.sessionToken);
  });

  it('refuses an unknown node at connect (identify says isKnown=false)', async () => {
    const c = await startTestNode({ NODE_ID: 'trust-c' });
    try {
      const status = await (async () => {
        const client = clientOf(c, b);
        await client.openChannel();
        return client.identify();
      })();
      expect(status).toMatchObject({ isKnown: false, status: 0, nextPhase: null });
      expect(String(status.registrationUrl)).toMatch(/\/api\/node\/register$/);
      await expect(clientOf(c, b).connect()).rejects.toMatchObject({ code: 'ERR_NODE_UNKNOWN' });
    } finally {
      await c.close();
    }
  });

  it('reports network failures as retryable PeerErrors', async () => {
    const client = clientOf(a, { url: 'http://127.0.0.1:9' } as TestNode);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerError);
    expect(error).toMatchObject({ status: 0, code: 'ERR_PEER_UNREACHABLE', retryable: true });
  });

  describe('NodeChannelClient robustness', () => {
    let client: ReturnType<typeof clientOf>;
    beforeAll(async () => {
      client = clientOf(a, b);
      await client.connect();
    });

    it('re-handshakes once when the peer no longer knows the session or the channel', async () => {
      const state = b.app.get(TrustStateStore);
      const firstChannel = client.channelId;
      await state.delete(`session:${client.sessionToken}`);
      expect(await client.invoke('POST', '/api/session/whoami', {})).toMatchObject({ capabilities: NodeAccessLevel.ReadWrite });
      expect(client.channelId).not.toBe(firstChannel);
      const secondChannel = client.channelId;
      await state.delete(`channel:${secondChannel}`);
      expect(await client.invoke('POST', '/api/session/whoami', {})).toMatchObject({ channelId: client.channelId });
      expect(client.channelId).not.toBe(secondChannel);
    });

    it('calls side by side on a channel the peer forgot (its restart) share one handshake and each reads its own answer', async () => {
      const state = b.app.get(TrustStateStore);
      const stale = client.channelId;
      await state.delete(`channel:${stale}`);
      await state.delete(`session:${client.sessionToken}`);
      const answers = await Promise.all(Array.from({ length: 4 }, () => client.invoke<{ channelId: string }>('POST', '/api/session/whoami', {})));
      expect(new Set(answers.map((x) => x.channelId))).toEqual(new Set([client.channelId]));
      expect(client.channelId).not.toBe(stale);
    });

    it('re-handshakes before a channel or session would expire', async () => {
      const eager = a.app.get(NodeChannelClientFactory).create({ url: b.url }, { expiryMarginMs: 2 * 3600_000 });
      await eager.invoke('POST', '/api/session/whoami', {});
      const first = eager.channelId;
      await eager.invoke('POST', '/api/session/whoami', {});
      expect(eager.channelId).not.toBe(first);
    });

    it('decrypts an encrypted handler error into a typed PeerError', async () => {
      const error = await client.invoke('POST', '/api/session/renew', { additionalSeconds: 'soon' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PeerError);
      expect(error).toMatchObject({ status: 400, code: 'ERR_VALIDATION', retryable: false });
    });

    it('streams a raw 2xx answer and turns an error answer into a PeerError', async () => {
      const answer = await client.stream('POST', '/api/session/whoami', {});
      const chunks: Buffer[] = [];
      for await (const chunk of answer.data) chunks.push(Buffer.from(chunk));
      expect(answer.status).toBe(200);
      expect(Object.keys(JSON.parse(Buffer.concat(chunks).toString('utf8'))).sort()).toEqual(['authTag', 'encryptedData', 'iv']);
      await expect(client.stream('POST', '/api/session/metrics', {})).rejects.toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_PERMISSIONS' });
    });

    it('revokes its session on close', async () => {
      const token = client.sessionToken!;
      await client.close();
      expect(await b.app.get(TrustStateStore).getJson(`session:${token}`)).toBeUndefined();
    });
  });
});
