import request from 'supertest';
import { listRouteAccess } from '../../support/route-access';
import { startTestNode, TestNode } from '../../support/test-node';

/** The OpenAPI document is complete: every route of the node, each with a tag and a summary. */
describe('OpenAPI document', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'openapi-node' });
  });
  afterAll(() => node?.close());

  it('documents every route with a tag and a summary', async () => {
    const doc = (await request(node.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    const documented = new Map<string, { summary?: string; tags?: string[] }>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) documented.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op);
    }
    const routes = (await listRouteAccess(node.app)).map((r) => r.route);
    expect(routes.length).toBeGreaterThan(100);
    const missing = routes.filter((r) => !documented.has(r));
    const unsummarised = routes.filter((r) => documented.has(r) && (!documented.get(r)!.summary || !documented.get(r)!.tags?.length));
    expect({ missing, unsummarised }).toEqual({ missing: [], unsummarised: [] });
  });
});
