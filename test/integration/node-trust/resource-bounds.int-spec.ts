import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';
import { RawChannel } from './raw-channel';

/** Resource bounds before any work (docs/security.md "Resource bounds"). */
describe('resource bounds', () => {
  let node: TestNode;
  let admin: string;
  const NO_THROTTLE = { THROTTLE_STANDARD_PER_MINUTE: '1000000' };

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'bounds', CHANNELS_PER_IP: '3', ...NO_THROTTLE });
    admin = await loginAsAdmin(node);
  });
  afterAll(() => node?.close());

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  /** The bytes as given (supertest would serialise a Buffer as JSON). */
  async function post(path: string, body: Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('limits anonymous JSON bodies to 64 KiB, also behind made-up credentials, and refuses them compressed', async () => {
    const big = json({ nonce: 'x'.repeat(70_000) });
    const attempts: Record<string, string>[] = [{}, bearer('made-up'), { 'X-Session-Id': '11111111-2222-3333-4444-555555555555' }];
    for (const headers of attempts) {
      const res = await post('/api/channel/open', big, headers);
      expect([res.status, res.body.error]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
    }
    const gzipped = await post('/api/userauth/login', gzipSync(json({ login: 'a', password: 'b' })), { 'Content-Encoding': 'gzip' });
    expect([gzipped.status, gzipped.body.error]).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE']);
  });

  it('gives a verified user a modest limit, counted after inflation (a gzip bomb stops at the limit)', async () => {
    const fits = await post('/api/volunteers', json({ name: 'x'.repeat(500_000) }), bearer(admin));
    expect([fits.status, fits.body.error]).toEqual([400, 'ERR_VALIDATION']); // parsed, then refused by validation
    const bomb = gzipSync(json({ name: 'x'.repeat(8 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post('/api/volunteers', bomb, { ...bearer(admin), 'Content-Encoding': 'gzip' });
    expect([res.status, res.body.error]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
  });

  it('bounds live channels per client IP (429) and in total (503)', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await RawChannel.open(node.url));
    const { body } = RawChannel.openRequest();
    const refused = await request(node.url).post('/api/channel/open').send(body);
    expect([refused.status, refused.body.errorDetail?.code]).toEqual([429, 'ERR_RATE_LIMIT_EXCEEDED']);
    // The open channels still work.
    expect((await opened[0].send('get', '/api/channel/health')).status).toBe(200);

    const full = await startTestNode({ NODE_ID: 'bounds-total', CHANNELS_PER_IP: '10', CHANNELS_TOTAL: '2', ...NO_THROTTLE });
    try {
      await RawChannel.open(full.url);
      await RawChannel.open(full.url);
      const busy = await request(full.url).post('/api/channel/open').send(RawChannel.openRequest().body);
      expect([busy.status, busy.body.errorDetail?.code]).toEqual([503, 'ERR_NODE_BUSY']);
    } finally {
      await full.close();
    }
  });
});
