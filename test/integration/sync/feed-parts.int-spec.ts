import { existsSync, readdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EMPTY_SNAPSHOT } from '../../../src/core/sync-kernel/sql';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { ExportEngine } from '../../../src/sync/export/export-engine';
import type { SyncManifest } from '../../../src/sync/export/export.types';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { introduce, pullFrom, verify } from '../../support/two-nodes';
import { loginAsAdmin } from '../../support/users';

/**
 * A big feed's tables fetched side by side (capability `copy-parts`, issue 18): the same database
 * as a pull of the same source feed by feed, changes and deletes included; a part that fails after
 * others were staged and loaded leaves the requester unchanged; one peer's page reads are bounded.
 */
describe("a feed's parts fetched side by side", () => {
  let source: TestNode;
  /** Pulls with parts (pages of one row, so a feed of several rows goes in parts, each of several pages). */
  let parted: TestNode;
  /** Pulls the same source feed by feed (its manifests lose `pageParts`, as an older source's). */
  let sequential: TestNode;
  const admin = new Map<TestNode, string>();
  const connection = new Map<TestNode, string>();
  /** The source's page requests (path and query) during a pull. */
  let requests: string[] = [];
  /** The requester whose manifests lose `pageParts` (an older source, as far as it can tell). */
  let withoutParts: TestNode | undefined;

  const start = async (id: string, env: Record<string, string> = {}) => {
    const node = await startTestNode({ NODE_ID: id, NODE_NAME: id, ...BULK_HTTP_ENV, ...env });
    admin.set(node, await loginAsAdmin(node));
    return node;
  };
  const pull = (into: TestNode) => {
    withoutParts = into === sequential ? sequential : undefined;
    return pullFrom(into, admin.get(into)!, connection.get(into)!);
  };
  const digest = async (node: TestNode) => (await verify(node, admin.get(node)!)).digest;
  const partRequests = () => requests.filter((r) => /[?&]part=\d+/.test(r));

  beforeAll(async () => {
    const small = { SYNC_PULL_PAGE_SIZE: '1' };
    [source, parted, sequential] = await Promise.all([start('parts-source'), start('parts-requester', small), start('sequential-requester', small)]);
    for (const node of [parted, sequential]) connection.set(node, (await introduce(node, admin.get(node)!, source, admin.get(source)!)).connectionId);
    await buildDatasetOverHttp(source, admin.get(source)!);
    const engine = source.app.get(ExportEngine);
    const manifest = engine.manifest.bind(engine);
    jest.spyOn(engine, 'manifest').mockImplementation(async (req) => {
      const answer = await manifest(req);
      if (withoutParts && answer.window) {
        delete answer.window.pageParts;
        for (const feed of answer.feeds ?? []) delete feed.tables;
      }
      return answer;
    });
    source.app.getHttpServer().on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/api/sync/')) requests.push(req.url);
    });
  });
  beforeEach(() => {
    requests = [];
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all([source, parted, sequential].map((n) => n?.close()));
  });

  it('a full pull in parts gives the same database as a pull feed by feed', async () => {
    const byParts = await pull(parted);
    expect(byParts.status).toBe(200);
    expect(partRequests().length).toBeGreaterThan(0);
    requests = [];
    const byFeeds = await pull(sequential);
    expect(byFeeds.status).toBe(200);
    expect(partRequests()).toEqual([]);
    expect(byParts.body.summary.totals).toEqual(byFeeds.body.summary.totals);
    const expected = await digest(source);
    expect(await digest(parted)).toBe(expected);
    expect(await digest(sequential)).toBe(expected);
  });

  it('changes and deletes (the tombstone part) too', async () => {
    // Enough changed rows in one feed that it goes in parts: research and its children.
    await source.dataSource.query(`UPDATE research SET title = title || ' (changed)'`);
    await source.dataSource.query(`UPDATE research_device SET role = role`);
    await source.dataSource.query(`DELETE FROM research_researcher WHERE research_id IN (SELECT id FROM research ORDER BY id LIMIT 1)`);
    const byParts = await pull(parted);
    expect(byParts.status).toBe(200);
    expect(partRequests().length).toBeGreaterThan(0);
    const byFeeds = await pull(sequential);
    expect(byFeeds.status).toBe(200);
    expect(byParts.body.summary.totals).toEqual(byFeeds.body.summary.totals);
    expect(byParts.body.summary.totals.deleted).toBeGreaterThan(0);
    const expected = await digest(source);
    expect(await digest(parted)).toBe(expected);
    expect(await digest(sequential)).toBe(expected);
  });

  it('a part that fails while others are fetched: the pull fails, nothing changed, nothing left', async () => {
    await source.dataSource.query(`UPDATE research SET title = title || '+'`);
    await source.dataSource.query(`UPDATE application SET app_name = app_name || '+'`);
    await source.dataSource.query(`UPDATE research_device SET role = role`);
    const before = await digest(parted);
    const engine = source.app.get(ExportEngine);
    const read = engine.readStreamedPage.bind(engine);
    let others = 0;
    // The research_device part fails (columns not this node's: final, not retried) once another part's page has come.
    jest.spyOn(engine, 'readStreamedPage').mockImplementation(async (runner, window, route, req) => {
      const page = await read(runner, window, route, req);
      if (page.table !== 'research_device') return (others++, page);
      for (let waited = 0; others === 0 && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      return { ...page, columns: page.columns.map((c, i) => (i === 0 ? 'notAColumn' : c)) };
    });
    try {
      const res = await pull(parted);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 502, error: 'ERR_MALFORMED_PAGE' });
    } finally {
      jest.mocked(engine.readStreamedPage).mockRestore();
    }
    expect(await digest(parted)).toBe(before);
    const temp = (await parted.dataSource.query(`SELECT count(*)::int AS n FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'`)) as { n: number }[];
    expect(temp[0].n).toBe(0);
    const staging = join(parted.dataDir, 'staging');
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    // Once the source is right, the same changes come.
    expect((await pull(parted)).status).toBe(200);
    expect(await digest(parted)).toBe(await digest(source));
  });

  it('a part beyond the feed, or a position of another part, is refused', async () => {
    const client = parted.app.get(NodeChannelClientFactory).create({ url: source.url });
    await client.connect();
    try {
      await source.dataSource.query(`UPDATE research SET title = title || '?'`);
      const manifest = await client.invoke<SyncManifest>('POST', '/api/sync/manifest', {}, { 'x-sync-protocol': '2', 'x-sync-page-formats': 'copy, copy-parts' });
      expect(manifest.window?.pageParts).toBe(true);
      expect(manifest.feeds?.find((f) => f.route === 'research')?.tables).toMatchObject({ research: expect.any(Number) });
      const window = manifest.window!.token;
      const page = (query: string) => client.stream('GET', `/api/sync/research?window=${window}&format=copy&pageSize=4&${query}`).then(
        (res) => (res.data.destroy(), res.status),
        (error: { status?: number; code?: string }) => `${error.status} ${error.code}`,
      );
      expect(await page('part=99')).toBe('400 ERR_VALIDATION');
      expect(await page('part=0')).toBe(200);
      // A part's pages stay in it: a position at the start of the next table is not the first part's.
      const next = Buffer.from(JSON.stringify({ v: 1, t: 1, x: '0', k: [] })).toString('base64url');
      expect(await page(`part=0&after=${next}`)).toBe('400 ERR_INVALID_TOKEN_FORMAT');
      await client.invoke('POST', '/api/sync/window/close', { window });
    } finally {
      await client.close();
    }
  });

  it("one peer's page reads in progress are bounded (SYNC_PAGE_READS_PER_PEER): beyond, 503 ERR_NODE_BUSY, retryable", async () => {
    const windows = source.app.get(ExportWindows);
    const opened = await windows.open(EMPTY_SNAPSHOT, 'bounded-peer', async () => null);
    const bodies: PassThrough[] = [];
    const read = () => windows.stream(opened.token, async () => ({ body: new PassThrough() }), 'bounded-peer');
    try {
      for (let i = 0; i < source.config.sync.pageReadsPerPeer; i++) bodies.push((await read()).body);
      await expect(read()).rejects.toMatchObject({ code: 'ERR_NODE_BUSY', status: 503, retryable: true });
      // Another peer is not held up by this one.
      const other = await windows.open(EMPTY_SNAPSHOT, 'other-peer', async () => null);
      const theirs = await windows.stream(other.token, async () => ({ body: new PassThrough() }), 'other-peer');
      theirs.body.end();
      theirs.body.resume();
      await windows.close(other.token, 'other-peer');
      // A read that ends frees its place.
      const ended = bodies.pop()!;
      ended.end();
      ended.resume();
      await new Promise((resolve) => ended.once('close', resolve));
      bodies.push((await read()).body);
    } finally {
      for (const body of bodies) {
        body.end();
        body.resume();
      }
      await windows.close(opened.token, 'bounded-peer');
    }
  });
});
