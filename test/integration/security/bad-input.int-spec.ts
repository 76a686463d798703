import request from 'supertest';
import { PeerError } from '../../../src/core/errors/peer-error';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { encodeToken } from '../../../src/sync/shared/tokens';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/** The known bad inputs of issue #12 item 7: each a 4xx with a stable code, never a 5xx. */
describe('bad input never gives a 5xx (known cases)', () => {
  let pair: NodePair;
  let client: NodeChannelClient;
  let recordChannelId: string;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    recordChannelId = (await buildDatasetOverHttp(pair.b, pair.adminB)).file.recordChannelId;
    client = pair.a.app.get(NodeChannelClientFactory).create({ url: pair.b.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await pair?.close();
  });

  /** The status and error code a peer call ended with. */
  async function peerFailure(call: Promise<unknown>): Promise<{ status: number; code: string }> {
    const error = await call.then(() => undefined, (e: unknown) => e);
    if (!(error instanceof PeerError)) throw new Error(`expected a PeerError, got ${String(error)}`);
    return { status: error.status, code: error.code };
  }

  describe('NUL characters (\\u0000) in JSON values: PostgreSQL cannot store them', () => {
    it.each([
      ['a login', '/api/userauth/login', { login: 'admin\u0000', password: 'whatever-password' }, false],
      ['a new user', '/api/users', { login: 'nul\u0000user', password: 'long-enough-password', role: 'Researcher' }, true],
      ['a CRUD row', '/api/volunteers', { name: 'Nul\u0000Name', email: 'nul@example.org', volunteerCode: 'NUL-1', birthDate: '1990-01-01', gender: 'Other', consentStatus: 'Pending' }, true],
    ])('%s → 400', async (_what, path, body, asAdmin) => {
      const call = request(pair.b.url).post(path);
      if (asAdmin) call.set(bearer(pair.adminB));
      const res = await call.send(body);
      expect({ status: res.status, code: res.body.error ?? res.body.errorDetail?.code }).toEqual({ status: 400, code: expect.stringMatching(/^ERR_/) });
    });

    it('in a query parameter → 400', async () => {
      const res = await request(pair.b.url).get('/api/volunteers?search=a%00b').set(bearer(pair.adminB));
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('sync page tokens with the wrong key arity', () => {
    it.each([
      ['too many key values', { v: 1, t: 0, x: '1', k: ['a', 'b', 'c'] }],
      ['tombstones with two keys', { v: 1, t: 99, x: '1', k: ['a', 'b'] }],
    ])('%s → 400 ERR_INVALID_TOKEN_FORMAT', async (_what, token) => {
      const manifest = await client.invoke<{ window: { token: string } }>('POST', '/api/sync/manifest', {}, { 'X-Sync-Protocol': '2' });
      for (const route of ['volunteers', 'research', 'sessions']) {
        const query = new URLSearchParams({ window: manifest.window.token, after: encodeToken(token) });
        expect(await peerFailure(client.invoke('GET', `/api/sync/${route}?${query}`))).toEqual({ status: 400, code: 'ERR_INVALID_TOKEN_FORMAT' });
      }
      await client.invoke('POST', '/api/sync/window/close', { window: manifest.window.token }, { 'X-Sync-Protocol': '2' });
    });
  });

  describe('deeply nested JSON on DTO routes', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    it.each([
      ['/api/userauth/login', false],
      ['/api/users', true],
      ['/api/node/connect', true],
      ['/api/sync/pull', true],
    ])('%s → 400 ERR_VALIDATION', async (path, asAdmin) => {
      for (const body of [`{"login":${nested(5000)}}`, `{"role":${deepObject(5000)},"remoteNodeId":${deepObject(3000)}}`]) {
        const call = request(pair.a.url).post(path).set('Content-Type', 'application/json');
        if (asAdmin) call.set(bearer(pair.adminA));
        const res = await call.send(body);
        expect({ path, status: res.status, code: res.body.error }).toEqual({ path, status: 400, code: 'ERR_VALIDATION' });
      }
    });
  });

  describe('a Range the file routes cannot satisfy', () => {
    it.each(['bytes=999999999-', 'bytes=5-1', 'bytes=-0', 'bytes=99999999999999999999999-'])('%s → 416 on the user download', async (range) => {
      const res = await request(pair.b.url).get(`/api/record-channels/${recordChannelId}/file`).set(bearer(pair.adminB)).set('Range', range);
      expect({ status: res.status, code: res.body.error, contentRange: res.headers['content-range'] }).toEqual({
        status: 416,
        code: 'ERR_RANGE_NOT_SATISFIABLE',
        contentRange: expect.stringMatching(/^bytes \*\/\d+$/),
      });
    });
  });
});
