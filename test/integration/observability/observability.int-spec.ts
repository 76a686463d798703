import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PrismClient } from '../../../client/src/index.js';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';
import { buildDatasetOverHttp } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

type LogLine = Record<string, unknown> & { level: string; msg: string; nodeId: string };

/** The value of one series in a Prometheus text exposition (undefined when absent). */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observability: JSON logs with request and job ids, Prometheus metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prism-logs-'));
  const logFile = join(dir, 'nodes.log');
  let pair: NodePair;
  let jobId: string;
  const lines = (): LogLine[] => readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    pair = await startPair({ LOG_LEVEL: 'info', LOG_FILE: logFile });
    await buildDatasetOverHttp(pair.b, pair.adminB);
    const outcome = await new PrismClient({ baseUrl: pair.a.url, token: pair.adminA }).sync.pull(pair.peerOnA);
    expect(outcome.progress.state).toBe('completed');
    jobId = outcome.jobId;
  });
  afterAll(async () => {
    await pair?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes only JSON lines, each with level, time and node id, and never a bearer token', () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(20);
    for (const line of all) expect({ level: typeof line.level, time: typeof line.time, nodeId: typeof line.nodeId }).toEqual({ level: 'string', time: 'string', nodeId: 'string' });
    expect(readFileSync(logFile, 'utf8')).not.toContain(pair.adminA);
  });

  it('writes no error line for a normal pull (files served included) and route mapping only at debug level', () => {
    const all = lines();
    expect(all.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg)).toEqual([]);
    expect(all.filter((l) => l.context === 'RouterExplorer' || l.context === 'RoutesResolver').map((l) => l.level)).toEqual([]);
    expect(all.some((l) => l.context === 'Sync' && l.level === 'info')).toBe(true);
  });

  it('carries the request id on the request line, taking a caller X-Request-Id or making one', async () => {
    const given = await request(pair.a.url).get('/api/node/nodes').set(bearer(pair.adminA)).set('X-Request-Id', 'desk-42.abc');
    expect(given.headers['x-request-id']).toBe('desk-42.abc');
    const made = await request(pair.a.url).get('/api/node/nodes').set(bearer(pair.adminA));
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines().find((l) => l.reqId === 'desk-42.abc');
    expect(line).toMatchObject({ msg: 'request completed', nodeId: 'node-a', req: { method: 'GET', url: '/api/node/nodes' }, res: { statusCode: 200 } });
    expect(lines().some((l) => l.reqId === made.headers['x-request-id'])).toBe(true);
  });

  it('writes the sync job id on the lines of the job', () => {
    const jobLines = lines().filter((l) => l.jobId === jobId);
    expect(jobLines.map((l) => l.msg)).toContain('pull completed');
    expect(jobLines.find((l) => l.msg === 'pull completed')).toMatchObject({ context: 'Sync', remoteNodeId: pair.peerOnA, totals: { inserted: expect.any(Number) } });
  });

  it('exports sync duration, rows and bytes by aggregate and failures by cause at /metrics', async () => {
    const ghost = generateSelfSignedIdentity('ghost');
    const added = await request(pair.a.url)
      .post('/api/node/NewConnection')
      .set(bearer(pair.adminA))
      .send({ nodeName: 'Unreachable', nodeUrl: 'http://127.0.0.1:9', certificate: ghost.certificateDer, status: 1, nodeAccessLevel: 1 });
    expect(added.status).toBe(201);
    const failed = await new PrismClient({ baseUrl: pair.a.url, token: pair.adminA }).sync.pull(added.body.id);
    expect(failed.progress.state).toBe('failed');
    const res = await request(pair.a.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(metric(res.text, 'prism_sync_jobs_total{kind="pull",outcome="completed"}')).toBe(1);
    expect(metric(res.text, 'prism_sync_duration_seconds_count{kind="pull"}')).toBe(1);
    expect(metric(res.text, 'prism_sync_rows_total{aggregate="volunteers",operation="inserted"}')).toBeGreaterThan(0);
    expect(metric(res.text, 'prism_sync_rows_total{aggregate="sessions",operation="received"}')).toBeGreaterThan(0);
    expect(metric(res.text, 'prism_sync_bytes_total{aggregate="sessions"}')).toBeGreaterThan(0);
    expect(metric(res.text, 'prism_sync_bytes_total{aggregate="recordings"}')).toBeGreaterThan(0);
    expect(metric(res.text, `prism_sync_failures_total{kind="pull",cause="${failed.progress.error!.code}"}`)).toBe(1);
    expect(metric(res.text, 'prism_http_requests_total{method="POST",status="202"}')).toBe(2);
  });

  it('documents /metrics in the OpenAPI document', async () => {
    const docs = await request(pair.a.url).get('/api/docs-json');
    expect(docs.body.paths['/metrics'].get.tags).toEqual(['observability']);
  });
});

describe('observability: throttled requests', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'node-throttled', THROTTLE_STANDARD_PER_MINUTE: '2' });
  });
  afterAll(() => node?.close());

  it('counts requests refused with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(node.url).post('/api/userauth/login').send({ login: 'nobody', password: 'wrong-password' })).status);
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBeGreaterThan(0);
    const res = await request(node.url).get('/metrics');
    expect(metric(res.text, 'prism_throttled_requests_total{profile="standard"}')).toBe(refused);
    expect(metric(res.text, 'prism_throttled_requests_total{profile="sync"}')).toBe(0);
  });
});
