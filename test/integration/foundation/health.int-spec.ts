import request from 'supertest';
import { startTestNode, TestNode } from '../../support/test-node';

describe('health', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'health-node' });
  });
  afterAll(() => node?.close());

  it('reports the database up', async () => {
    const res = await request(node.app.getHttpServer()).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
  });
});
