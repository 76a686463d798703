import request from 'supertest';
import { startTestNode, TestNode } from '../../support/test-node';

const DESKTOP_HEADERS = 'content-type,x-channel-id,x-session-id,authorization';

/** CORS for the IRIS desktop renderer (iris-desktop-api.md §1.6): preflight on every route. */
describe('CORS', () => {
  let node: TestNode;
  let open: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'cors-node' });
    open = await startTestNode({ NODE_ID: 'cors-any', CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await node?.close();
    await open?.close();
  });

  const preflight = (url: string, path: string, origin: string, method = 'POST') =>
    request(url).options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', DESKTOP_HEADERS);

  it.each(['http://localhost:5173', 'http://localhost:5174', 'null'])('answers the preflight of %s on any route', async (origin) => {
    for (const [path, method] of [
      ['/api/channel/open', 'POST'],
      ['/api/Volunteer/GetAllPaginated?page=1&pageSize=10', 'GET'],
      ['/api/Research/5a3b8a1e-0000-4000-8000-000000000001', 'DELETE'],
      ['/api/no/such/route', 'PUT'],
    ]) {
      const res = await preflight(node.url, path, origin, method).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toContain(method);
      for (const header of DESKTOP_HEADERS.split(',')) expect(res.headers['access-control-allow-headers'].toLowerCase()).toContain(header);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('exposes X-Channel-Id on the channel open answer', async () => {
    const res = await request(node.url).post('/api/channel/open').set('Origin', 'http://localhost:5173').send({});
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toEqual(expect.stringContaining('X-Channel-Id'));
    expect(res.headers['access-control-expose-headers']).toEqual(expect.stringContaining('Content-Disposition'));
    expect(res.headers.vary).toEqual(expect.stringContaining('Origin'));
  });

  it('gives no CORS headers to an origin that is not allowed', async () => {
    const res = await preflight(node.url, '/api/channel/open', 'https://evil.example').expect(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await request(node.url).get('/health').set('Origin', 'https://evil.example');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS_ORIGINS=* admits any origin without credentials', async () => {
    const res = await preflight(open.url, '/api/channel/open', 'https://desktop.example.org').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
