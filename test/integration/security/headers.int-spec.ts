import request from 'supertest';
import { startTestNode, TestNode } from '../../support/test-node';

/** helmet's headers on every kind of answer: API JSON, errors, the console's static files, the docs. */
describe('security headers on every answer', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'headers' });
  });

  afterAll(() => node?.close());

  it.each([
    ['an API answer', 'get', '/health', 200],
    ['an error (no token)', 'get', '/api/sync/log', 401],
    ['an unknown route', 'get', '/api/no-such-route', 404],
    ['a bad JSON body', 'post', '/api/userauth/login', 400],
    ['the console page', 'get', '/admin/', 200],
    ['a console script', 'get', '/admin/js/src/admin/static/ts/app.js', 200],
    ['the API docs', 'get', '/api/docs', 200],
  ] as const)('%s: no framing, no sniffing, a CSP; no HSTS on plain HTTP', async (_what, method, path, status) => {
    const call = request(node.url)[method](path);
    const res = method === 'post' ? await call.set('Content-Type', 'application/json').send('{"login":') : await call;
    expect(res.status).toBe(status);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // On plain HTTP, upgrading the console's requests would send them to an origin that does not exist.
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});
