import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { ExportEngine } from '../../../src/sync/export/export-engine';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import { FileSweep } from '../../../src/sync/files/file-sweep';
import { SyncedFiles } from '../../../src/sync/files/synced-files.port';
import { FaultProxy, FaultRule } from '../../e2e/harness/fault-proxy';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, pullFrom, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/**
 * Issue 19 item 5: a pull cut off the network mid-fetch keeps its staging; the next pull from the
 * same peer continues the same export window from the last staged page (and the file by range)
 * instead of starting over. Two in-process nodes, A pulls from B through a fault proxy.
 */
describe.each([
  ['COPY', 'true'],
  ['JSON', 'false'],
])('resumable pulls (network cut), %s pages', (_format, copyPages) => {
  let pair: NodePair;
  let proxy: FaultProxy;
  /** Every request the proxy forwarded: method and path with query. */
  const seen: string[] = [];
  const recorder: FaultRule = { path: /.*/, when: (req) => (seen.push(`${req.method} ${req.url.pathname}${req.url.search}`), false), action: { kind: 'reset' } };
  const FEED = /^\/api\/sync\/(?!manifest|window|recordings)/;

  const log = async () => (await request(pair.a.url).get(`/api/sync/log?remoteNodeId=${pair.peerOnA}&page=1&pageSize=1`).set(bearer(pair.adminA))).body.data[0];
  const status = async () =>
    ((await request(pair.a.url).get('/api/sync/status').set(bearer(pair.adminA))).body as { remoteNodeId: string; behind: unknown }[]).find((s) => s.remoteNodeId === pair.peerOnA)!;
  const digest = async (node: NodePair['a'], token: string) => (await request(node.url).get('/api/sync/verify').set(bearer(token))).body.digest as string;
  const stagingOfA = () => join(pair.a.config.server.dataDir, 'staging');
  const pages = () => seen.filter((r) => r.startsWith('GET ') && FEED.test(r.slice(4).split('?')[0]));

  beforeAll(async () => {
    pair = await startPair({ ...BULK_HTTP_ENV, SYNC_PULL_PAGE_SIZE: '1', SYNC_RETRY_ATTEMPTS: '2', SYNC_PEER_TIMEOUT_MS: '5000', SYNC_COPY_PAGES: copyPages });
    await buildDatasetOverHttp(pair.b, pair.adminB);
    proxy = new FaultProxy(pair.b.url);
    await proxy.start();
    await pair.a.dataSource.query(`UPDATE research_nodes SET node_url = $1 WHERE id = $2`, [proxy.url, pair.peerOnA]);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await pair?.close();
  });

  it('before any pull, how far behind the peer is is unknown', async () => {
    expect((await status()).behind).toBeNull();
  });

  it('a pull cut mid-pages resumes from the last staged page, without a new manifest', async () => {
    const before = await digest(pair.a, pair.adminA);
    // From the 8th page request on, every feed page is cut (the retries too): the pull fails.
    seen.length = 0;
    proxy.setRules([recorder, { path: FEED, nth: 8, times: Infinity, action: { kind: 'reset' } }]);
    const cut = await pullFrom(pair.a, pair.adminA, pair.peerOnA);
    expect(cut.status).toBe(502);
    expect(cut.body.error).toMatch(/^ERR_PEER/);
    // Nothing applied; the staging is kept for this peer.
    expect(await digest(pair.a, pair.adminA)).toBe(before);
    expect(readdirSync(stagingOfA())).toEqual([`kept-${pair.peerOnA}`]);
    const failed = await log();
    expect(failed).toMatchObject({ status: 'failed', resumed: null, announced: { rows: expect.any(Number), measuredAt: expect.any(String) } });
    const behind = (await status()).behind as { rows: number; jobId: string };
    expect(behind).toMatchObject({ rows: failed.announced.rows, jobId: failed.id });
    expect(behind.rows).toBeGreaterThan(10);

    const answered = pages().slice(0, 7);
    expect(new Set(answered).size).toBe(7);
    seen.length = 0;
    proxy.setRules([recorder]);
    const retry = await pullFrom(pair.a, pair.adminA, pair.peerOnA);
    expect(retry.status).toBe(200);
    const resumed = await log();
    expect(resumed.status).toBe('completed');
    expect(resumed.resumed).toMatchObject({ fromJobId: failed.id, pages: expect.any(Number), rows: expect.any(Number) });
    expect(resumed.resumed.pages).toBeGreaterThanOrEqual(5);
    // The window was continued: no manifest, and of the pages answered before the cut at most one
    // per feed being fetched (two at a time) is asked again.
    expect(seen.filter((r) => r.includes('/api/sync/manifest'))).toEqual([]);
    expect(pages().filter((r) => answered.includes(r)).length).toBeLessThanOrEqual(2);
    expect(existsSync(join(stagingOfA(), `kept-${pair.peerOnA}`))).toBe(false);
    expect(await digest(pair.a, pair.adminA)).toBe(await digest(pair.b, pair.adminB));
    expect((await status()).behind).toMatchObject({ rows: 0, tombstones: 0, bytes: 0, jobId: resumed.id });
  }, 120_000);

  it('the file sweep spares the files a kept staging stored while it is kept, and collects them once its window would have expired', async () => {
    const files = pair.a.app.get(SyncedFiles);
    const content = randomBytes(1000);
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(await files.store(Readable.from([content]), { sha256, size: content.length })).toBeUndefined();
    const kept = join(stagingOfA(), `kept-${pair.peerOnA}`);
    mkdirSync(kept, { recursive: true });
    writeFileSync(join(kept, 'stored-files'), `${sha256}\n`);
    const header = { peer: pair.peerOnA, cursor: null, jobId: 'earlier-job', manifest: { window: { token: 't' } }, keepMs: 300_000 };
    const ledger = { v: 1, header, touchedAt: Date.now(), sizes: {}, pages: {}, copy: {}, positions: {} };
    writeFileSync(join(kept, 'ledger.json'), JSON.stringify(ledger));
    const sweep = pair.a.app.get(FileSweep);
    expect(await sweep.run()).toBe(true);
    expect(await files.has(sha256)).toBe(true);
    // The source would have released the window by now: the kept staging goes, its file with it.
    writeFileSync(join(kept, 'ledger.json'), JSON.stringify({ ...ledger, touchedAt: Date.now() - 301_000 }));
    expect(await sweep.run()).toBe(true);
    expect(existsSync(kept)).toBe(false);
    expect(await files.has(sha256)).toBe(false);
  });

  it('a window held for one peer reads as expired to any other peer, on any replica', async () => {
    const engine = pair.b.app.get(ExportEngine);
    const manifest = await engine.manifest({ windowMode: true, peer: 'node-x' });
    const read = (caller: string) => engine.windowPage('volunteers', { window: manifest.window!.token, caller, pageSize: 1 });
    await expect(read('node-y')).rejects.toMatchObject({ status: 410, code: 'ERR_WINDOW_EXPIRED' });
    await expect(read('node-x')).resolves.toBeDefined();
    // Another replica of B (same database, the window not held in its memory) checks the same.
    const replica = new ExportWindows(pair.b.dataSource, pair.b.config);
    const onReplica = (caller: string) => replica.read(manifest.window!.token, async (runner) => (await runner.query('SELECT 1 AS one'))[0].one as number, caller);
    await expect(onReplica('node-y')).rejects.toMatchObject({ status: 410, code: 'ERR_WINDOW_EXPIRED' });
    await expect(onReplica('node-x')).resolves.toBe(1);
    await pair.b.app.get(ExportWindows).close(manifest.window!.token, 'node-x');
    await expect(onReplica('node-x')).rejects.toMatchObject({ status: 410, code: 'ERR_WINDOW_EXPIRED' });
  });
});
