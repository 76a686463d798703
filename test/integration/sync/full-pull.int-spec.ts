import request from 'supertest';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { bearer } from '../../support/users';
import { NodePair, pull, startPair, verify } from '../../support/two-nodes';

describe('pull from a peer (two nodes, real HTTP)', () => {
  let pair: NodePair;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    await buildDatasetOverHttp(pair.b, pair.adminB);
  });
  afterAll(() => pair?.close());

  it('a full pull into an empty node makes every table and file equal', async () => {
    const res = await pull(pair);
    expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
    expect(res.body.status).toBe('completed');
    expect(res.body.summary.totals.inserted).toBeGreaterThan(20);
    expect(res.body.summary.pageFormat).toBe('copy');
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    for (const name of Object.keys(b.aggregates)) expect({ name, ...a.aggregates[name] }).toEqual({ name, ...b.aggregates[name] });
    expect(a.files).toEqual(b.files);
    expect(a.files.referenced).toBe(1);
    expect(a.digest).toBe(b.digest);
  });

  it('a second pull with no changes transfers zero rows', async () => {
    const res = await pull(pair);
    expect(res.status).toBe(200);
    expect(res.body.summary.totals.received).toBe(0);
    expect(res.body.summary.files.downloaded).toBe(0);
  });

  it('records the pulls in the history', async () => {
    const res = await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ remoteNodeId: pair.peerOnA });
    expect(res.status).toBe(200);
    expect(res.body.totalRecords).toBe(2);
    expect(res.body.data.map((r: { status: string }) => r.status)).toEqual(['completed', 'completed']);
  });
});
