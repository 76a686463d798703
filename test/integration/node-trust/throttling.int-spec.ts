import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { PeerError } from '../../../src/core/errors/peer-error';
import { ProbeNode, SharedStorage, sharedStorage, startProbeNode } from './probe-node';
import { authorizedClient, makeClientIdentity } from './trust-helpers';
import type { TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';

async function hammer(n: number, call: () => Promise<unknown>): Promise<unknown[]> {
  const results: unknown[] = [];
  for (let i = 0; i < n; i++) results.push(await call().catch((e: unknown) => e));
  return results;
}

describe('rate limits', () => {
  describe('configured small limits', () => {
    let storage: SharedStorage;
    let node: ProbeNode;
    beforeAll(async () => {
      storage = await sharedStorage('throttle-small');
      node = await startProbeNode(storage, { THROTTLE_STANDARD_PER_MINUTE: '40', THROTTLE_SYNC_PER_MINUTE: '15' });
    });
    afterAll(async () => {
      await node?.close();
      await storage?.drop();
    });

    it('lets exactly N sync requests of one node through per minute, across its sessions, then 429 with Retry-After', async () => {
      const first = await authorizedClient(node, NodeAccessLevelName.ReadWrite, makeClientIdentity('sync-peer'));
      const second = new NodeChannelClient({ url: node.url }, first.peer);
      await second.connect();
      const ok = await hammer(10, () => first.client.invoke('GET', '/api/test-probe/sync'));
      expect(ok.every((r) => !(r instanceof Error))).toBe(true);
      expect(ok[0]).toEqual({ rows: [1, 2, 3], text: 'é' });
      const more = await hammer(6, () => second.invoke('GET', '/api/test-probe/sync'));
      expect(more.slice(0, 5).every((r) => !(r instanceof Error))).toBe(true);
      expect(more[5]).toBeInstanceOf(PeerError);
      expect(more[5]).toMatchObject({ status: 429, code: 'ERR_RATE_LIMIT_EXCEEDED', retryable: true });
      expect((more[5] as PeerError).retryAfter).toBeGreaterThan(0);
      // sync traffic does not consume the session's standard budget
      expect(await first.client.invoke('POST', '/api/session/whoami', {})).toMatchObject({ capabilities: NodeAccessLevel.ReadWrite });
    });

    it('answers 429 with {error, message, retryAfter} and a Retry-After header, per session', async () => {
      const { client } = await authorizedClient(node, NodeAccessLevelName.ReadWrite, makeClientIdentity('std-peer'));
      const results = await hammer(40, () => client.invoke('POST', '/api/test-probe/write', { n: 1 }));
      expect(results.filter((r) => r instanceof Error)).toEqual([]);
      const res = await request(node.url).post('/api/test-probe/write').set('X-Channel-Id', client.channelId!).set('X-Session-Id', client.sessionToken!).send({});
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: 'ERR_RATE_LIMIT_EXCEEDED', message: 'Too many requests. Maximum 40 requests per minute.', retryAfter: expect.any(Number) });
      expect(Number(res.headers['retry-after'])).toBe(res.body.retryAfter);
      // another session has its own standard budget
      const other = await authorizedClient(node, NodeAccessLevelName.ReadWrite, makeClientIdentity('std-peer-2'));
      expect(await other.client.invoke('POST', '/api/test-probe/write', { n: 2 })).toEqual({ echoed: { n: 2 } });
    });

    it('throttles unauthenticated calls per IP, users per verified user, and never the channel health check', async () => {
      const own = await sharedStorage('throttle-ip');
      const fresh = await startProbeNode(own, { THROTTLE_STANDARD_PER_MINUTE: '3', THROTTLE_USER_PER_MINUTE: '3' });
      try {
        const admin = await loginAsAdmin(fresh as unknown as TestNode); // the login is the IP's first request
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await request(fresh.url).get('/api/channel/00000000-0000-0000-0000-000000000000')).status);
        expect(statuses).toEqual([404, 404, 429]);
        for (let i = 0; i < 5; i++) expect((await request(fresh.url).get('/api/channel/health')).status).toBe(200);
        // a logged-in user has its own budget, not the exhausted IP's
        const asUser: number[] = [];
        for (let i = 0; i < 4; i++) asUser.push((await request(fresh.url).get('/api/node/nodes').set(bearer(admin))).status);
        expect(asUser).toEqual([200, 200, 200, 429]);
        // Made-up credentials buy no fresh bucket: they count on the (exhausted) IP.
        for (const headers of [bearer('made-up-token'), bearer(`${admin}x`), { 'X-Session-Id': '11111111-2222-3333-4444-555555555555' }]) {
          expect((await request(fresh.url).get('/api/channel/00000000-0000-0000-0000-000000000000').set(headers)).status).toBe(429);
        }
      } finally {
        await fresh.close();
        await own.drop();
      }
    });

    it('refuses a ReadOnly session on a ReadWrite route with 403 naming both capabilities, and no data', async () => {
      const { client } = await authorizedClient(node, NodeAccessLevelName.ReadOnly, makeClientIdentity('ro-peer'));
      const error = await client.invoke('POST', '/api/test-probe/write', { secret: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_PERMISSIONS' });
      expect((error as PeerError).body).toEqual({
        error: 'ERR_INSUFFICIENT_PERMISSIONS',
        message: 'This endpoint requires capability: ReadWrite (granted: ReadOnly)',
        grantedCapabilities: 0,
        requiredCapability: 1,
      });
      expect(await client.invoke('GET', '/api/test-probe/empty')).toEqual({ ok: true });
    });
  });

  it('uses the default standard limit of 60 per minute (61st refused) and gives a signed-in user far more', async () => {
    const storage = await sharedStorage('throttle-default');
    const node = await startProbeNode(storage);
    try {
      const { client } = await authorizedClient(node, NodeAccessLevelName.ReadWrite, makeClientIdentity('default-peer'));
      const results = await hammer(61, () => client.invoke('POST', '/api/test-probe/write', {}));
      expect(results.slice(0, 60).filter((r) => r instanceof Error)).toEqual([]);
      expect(results[60]).toMatchObject({ status: 429, code: 'ERR_RATE_LIMIT_EXCEEDED' });
      // A person working through the desktop (user token over channel + session) never meets 429 at
      // the pace of normal work: 200 calls in a minute on the default settings.
      const admin = await loginAsAdmin(node as unknown as TestNode);
      const desk = await authorizedClient(node, NodeAccessLevelName.ReadOnly, makeClientIdentity('desktop-peer'));
      const work = await hammer(200, () => desk.client.invoke('GET', '/api/node/nodes', undefined, bearer(admin)));
      expect(work.filter((r) => r instanceof Error)).toEqual([]);
    } finally {
      await node.close();
      await storage.drop();
    }
  });
});
