import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import type { SyncManifest } from '../../../src/sync/export/export.types';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { ExportEngine } from '../../../src/sync/export/export-engine';
import { batchParts } from '../../../src/sync/export/page-batch';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import type { PageRequest, StreamedPage } from '../../../src/sync/export/export.types';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { introduce, pullFrom, verify } from '../../support/two-nodes';
import { bearer, loginAsAdmin } from '../../support/users';

/**
 * Window pages as PostgreSQL COPY text (issue 18 item 1): negotiated at the manifest, the same
 * rows as JSON pages, and a malformed page fails the pull before anything is applied.
 */
describe('window pages as COPY text', () => {
  /** The source (serves COPY pages). */
  let source: TestNode;
  /** Pulls from the source with COPY pages. */
  let copying: TestNode;
  /** SYNC_COPY_PAGES=false: pulls from the source with JSON pages, and serves JSON pages only. */
  let jsonOnly: TestNode;
  const admin = new Map<TestNode, string>();
  /** [requester, source] → the source's connection id on the requester. */
  const connections = new Map<string, string>();

  const connect = async (from: TestNode, to: TestNode) => {
    const { connectionId } = await introduce(from, admin.get(from)!, to, admin.get(to)!);
    connections.set(`${from.url}|${to.url}`, connectionId);
  };
  const pull = (into: TestNode, from: TestNode) => pullFrom(into, admin.get(into)!, connections.get(`${into.url}|${from.url}`)!);
  const digest = async (node: TestNode) => (await verify(node, admin.get(node)!)).digest;
  const start = async (id: string, env: Record<string, string> = {}) => {
    const node = await startTestNode({ NODE_ID: id, NODE_NAME: id, ...BULK_HTTP_ENV, ...env });
    admin.set(node, await loginAsAdmin(node));
    return node;
  };

  beforeAll(async () => {
    [source, copying, jsonOnly] = await Promise.all([start('copy-source'), start('copy-requester'), start('json-requester', { SYNC_COPY_PAGES: 'false' })]);
    await connect(copying, source);
    await connect(jsonOnly, source);
    await buildDatasetOverHttp(source, admin.get(source)!);
    // Values COPY text must escape or render exactly: tabs, newlines, backslashes, its own markers
    // (\N, \.), quotes, non-BMP characters; floats at their limits; ±infinity and BC timestamps.
    const [{ id: localNode }] = await source.dataSource.query(`SELECT id FROM research_nodes WHERE is_local`);
    const texts = ['tab\there', 'new\nline\r\nend', 'back\\slash \\N \\.', '\\.', '\\N', `quote ' " and 🧪 ∑`, ''];
    for (const [i, text] of texts.entries()) {
      await source.dataSource.query(
        `INSERT INTO research (id, research_node_id, title, description, start_date, end_date, status) VALUES ($1, $2, $3, $4, $5, $6, 'active')`,
        [`20000000-0000-4000-8000-00000000000${i}`, localNode, text, `${text}\n${i}`, ['infinity', '0044-03-15 12:00:00.123456+00 BC', '2026-11-30 12:00:00.000001+00'][i % 3], i % 2 ? null : '-infinity'],
      );
    }
    await source.dataSource.query(`UPDATE sensor SET max_sampling_rate = 'NaN', min_range = '-Infinity', max_range = 3.4028235e38, accuracy = 1e-45`);
  });
  afterAll(() => Promise.all([source, copying, jsonOnly].map((n) => n?.close())));

  it('a COPY pull and a JSON pull of the same source give the same rows', async () => {
    const [byCopy, byJson] = await Promise.all([pull(copying, source), pull(jsonOnly, source)]);
    expect([byCopy.status, byJson.status]).toEqual([200, 200]);
    expect(byCopy.body.summary.pageFormat).toBe('copy');
    expect(byJson.body.summary.pageFormat).toBe('json');
    expect(byCopy.body.summary.totals).toEqual(byJson.body.summary.totals);
    expect(byCopy.body.summary.files.referenced).toBe(1);
    const expected = await digest(source);
    expect(await digest(copying)).toBe(expected);
    expect(await digest(jsonOnly)).toBe(expected);
  });

  it('changes and deletes travel in COPY pages (the feed ends with its tombstones)', async () => {
    await source.dataSource.query(`UPDATE research SET title = 'changed\there' WHERE id = '20000000-0000-4000-8000-000000000001'`);
    await source.dataSource.query(`DELETE FROM research WHERE id = '20000000-0000-4000-8000-000000000002'`);
    const res = await pull(copying, source);
    expect(res.status).toBe(200);
    expect(res.body.summary.pageFormat).toBe('copy');
    expect(res.body.summary.tables.find((t: { table: string }) => t.table === 'research')).toMatchObject({ received: 1, updated: 1, deleted: 1 });
    expect(await digest(copying)).toBe(await digest(source));
  });

  it('a source without the capability is pulled with JSON pages', async () => {
    const fresh = await start('copy-requester-2');
    try {
      await connect(fresh, jsonOnly);
      const res = await pull(fresh, jsonOnly);
      expect(res.status).toBe(200);
      expect(res.body.summary.pageFormat).toBe('json');
      expect(await digest(fresh)).toBe(await digest(jsonOnly));
    } finally {
      await fresh.close();
    }
  });

  describe('pages of small feeds in one batch (X-Sync-Page-Formats: copy-batch)', () => {
    /** The source's requests during `work`, paths only. */
    const requestsOf = async <T>(work: () => Promise<T>): Promise<{ result: T; paths: string[] }> => {
      const paths: string[] = [];
      const record = (req: IncomingMessage) => paths.push(`${req.method} ${req.url?.split('?')[0]}`);
      source.app.getHttpServer().on('request', record);
      try {
        return { result: await work(), paths };
      } finally {
        source.app.getHttpServer().off('request', record);
      }
    };
    const change = async (tag: string) => {
      await source.dataSource.query(`UPDATE research SET title = title || $1 WHERE id = '20000000-0000-4000-8000-000000000004'`, [tag]);
      await source.dataSource.query(`UPDATE sensor SET sensor_name = sensor_name || $1 WHERE sensor_id IN (SELECT sensor_id FROM sensor ORDER BY sensor_id LIMIT 2)`, [tag]);
      await source.dataSource.query(`DELETE FROM research WHERE id = '20000000-0000-4000-8000-000000000005'`);
    };

    it('a small change comes in one batch answer: no page requests', async () => {
      await change('+b');
      const { result: res, paths } = await requestsOf(() => pull(copying, source));
      expect(res.status).toBe(200);
      expect(res.body.summary.pageFormat).toBe('copy');
      expect(res.body.summary.tables.find((t: { table: string }) => t.table === 'research')).toMatchObject({ received: 1, updated: 1, deleted: 1 });
      expect(paths.filter((p) => p === 'GET /api/sync/window/pages')).toHaveLength(1);
      expect(paths.filter((p) => p.startsWith('GET /api/sync/') && p !== 'GET /api/sync/window/pages')).toEqual([]);
      expect(await digest(copying)).toBe(await digest(source));
    });

    it('a source without the capability (an older node) is pulled page by page', async () => {
      const engine = source.app.get(ExportEngine);
      const manifest = engine.manifest.bind(engine);
      // An older source knows neither the capability nor window.pageBatch.
      jest.spyOn(engine, 'manifest').mockImplementation(async (req) => {
        const answer = await manifest(req);
        if (answer.window) delete answer.window.pageBatch;
        return answer;
      });
      try {
        await change('+o');
        const { result: res, paths } = await requestsOf(() => pull(copying, source));
        expect(res.status).toBe(200);
        expect(res.body.summary.pageFormat).toBe('copy');
        expect(paths).not.toContain('GET /api/sync/window/pages');
        expect(paths).toContain('GET /api/sync/research');
        expect(await digest(copying)).toBe(await digest(source));
      } finally {
        jest.restoreAllMocks();
      }
    });

    it('a requester without the capability (an older node) is offered no batch', async () => {
      const client = copying.app.get(NodeChannelClientFactory).create({ url: source.url });
      await client.connect();
      const ask = (formats: string) => client.invoke<SyncManifest>('POST', '/api/sync/manifest', {}, { 'x-sync-protocol': '2', 'x-sync-page-formats': formats });
      const older = await ask('copy');
      expect(older.window?.pageFormat).toBe('copy');
      expect(older.window?.pageBatch).toBeUndefined();
      const newer = await ask('copy, copy-batch');
      expect(newer.window?.pageBatch).toBe(true);
      await client.invoke('POST', '/api/sync/window/close', { window: newer.window!.token });
      await client.close();
    });

    it('a batch answers the same bytes as its pages fetched one by one, tombstones of several feeds included', async () => {
      const engine = source.app.get(ExportEngine);
      const [{ id: localNode }] = await source.dataSource.query(`SELECT id FROM research_nodes WHERE is_local`);
      // Five research rows and a row of four volunteer child tables deleted: with pages of 2, a feed's tombstone pages follow one another.
      for (let i = 0; i < 5; i++) {
        const id = `30000000-0000-4000-8000-00000000000${i}`;
        await source.dataSource.query(`INSERT INTO research (id, research_node_id, title, description, start_date, status) VALUES ($1, $2, 'gone', 'gone', now(), 'active')`, [id, localNode]);
      }
      const opened = await engine.manifest({ windowMode: true, peer: 'batch-vs-pages', pageFormats: ['copy', 'copy-batch'] });
      const cursor = opened.window!.nextCursor;
      await source.app.get(ExportWindows).releaseFor('batch-vs-pages');
      await source.dataSource.query(`DELETE FROM research WHERE id::text LIKE '30000000-%'`);
      let volunteerRows = 0;
      for (const table of ['vital_signs', 'volunteer_medications', 'volunteer_clinical_events', 'volunteer_allergy_intolerances']) {
        const [{ n }] = await source.dataSource.query(`WITH gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} LIMIT 1) RETURNING 1) SELECT count(*)::int AS n FROM gone`);
        volunteerRows += n;
      }
      await source.dataSource.query(`UPDATE sensor SET sensor_name = sensor_name || '+t' WHERE sensor_id IN (SELECT sensor_id FROM sensor ORDER BY sensor_id LIMIT 3)`);
      const manifest = await engine.manifest({ windowMode: true, peer: 'batch-vs-pages', cursor, pageFormats: ['copy', 'copy-batch'] });
      const window = manifest.window!.token;
      const routes = ['research', 'devices', 'volunteers', 'researchers'];
      const read = async (body: AsyncIterable<unknown>) => {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks).toString('utf8');
      };
      try {
        const both = async (batch: { routes: string[]; pageSize: number; budget: number }) => [
          await read((await engine.windowBatch({ window, ...batch, caller: 'batch-vs-pages' })).body),
          await read(batchParts((route, page) => engine.windowStreamedPage(route, { ...page, caller: 'batch-vs-pages' }), { window, ...batch }, batch.budget)),
        ];
        // The same reads without the manifest's counts (a replica that does not hold the window):
        // every table's bounds and the tombstones read from the database. Fails if a first page
        // known from the counts is not exactly the page its bounds give.
        const uncounted = async (batch: { routes: string[]; pageSize: number; budget: number }) => {
          const counts = jest.spyOn(source.app.get(ExportWindows), 'countsOf').mockReturnValue(undefined);
          try {
            return await both(batch);
          } finally {
            counts.mockRestore();
          }
        };
        const [batched, oneByOne] = await both({ routes, pageSize: 2, budget: 10_000 });
        expect(batched).toBe(oneByOne);
        expect(await uncounted({ routes, pageSize: 2, budget: 10_000 })).toEqual([batched, batched]);
        const all = manifest.feeds!.map((f) => f.route);
        const [whole, wholeOneByOne] = await both({ routes: all, pageSize: 1_000, budget: 10_000 });
        expect(whole).toBe(wholeOneByOne);
        expect(await uncounted({ routes: all, pageSize: 1_000, budget: 10_000 })).toEqual([whole, whole]);
        // The tombstones read up front stop at the budget (7: research's 5, 2 of the volunteers'); the
        // volunteers' page, still served (5 rows served before it), is read on its own, whole.
        const [cut, cutOneByOne] = await both({ routes: ['research', 'volunteers'], pageSize: 10, budget: 7 });
        expect(cut).toBe(cutOneByOne);
        expect(await uncounted({ routes: ['research', 'volunteers'], pageSize: 10, budget: 7 })).toEqual([cut, cut]);
        const volunteersPage = cut.split('\n').find((line) => line.startsWith('{"route":"volunteers"') && line.includes('"table":null'));
        expect(JSON.parse(volunteersPage!).rows).toBe(volunteerRows);
        const tombstonePages = batched.split('\n').filter((line) => line.startsWith('{"route"') && line.includes('"table":null'));
        // Pages of 2 until one is not full: research 3 pages (5 tombstones), devices 1 empty, volunteers (a row of four child tables), researchers 1 empty.
        const pages = (n: number) => [...Array<number>(Math.floor(n / 2)).fill(2), n % 2];
        expect(volunteerRows).toBeGreaterThanOrEqual(3);
        expect(tombstonePages.map((line) => JSON.parse(line).rows)).toEqual([...pages(5), 0, ...pages(volunteerRows), 0]);
      } finally {
        await source.app.get(ExportWindows).releaseFor('batch-vs-pages');
      }
    });

    it('a batch cut short on the way: its feeds go on page by page, nothing is lost', async () => {
      const engine = source.app.get(ExportEngine);
      const read = engine.readStreamedPage.bind(engine);
      let broke = false;
      // The sensor page of the batch breaks mid-stream (the source's COPY fails), once.
      jest.spyOn(engine, 'readStreamedPage').mockImplementation(async (runner, window, route, req) => {
        const page = await read(runner, window, route, req);
        if (broke || page.table !== 'sensor') return page;
        broke = true;
        const broken = new Readable({ read() {} });
        page.body.once('data', (chunk: Buffer) => {
          broken.push(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
          broken.destroy(new Error('COPY failed midway'));
        });
        return { ...page, body: broken };
      });
      try {
        await change('+c');
        const { result: res, paths } = await requestsOf(() => pull(copying, source));
        expect(res.status).toBe(200);
        expect(paths).toContain('GET /api/sync/window/pages');
        // The feed whose part broke (and any after it) came page by page.
        expect(paths.filter((p) => p.startsWith('GET /api/sync/') && p !== 'GET /api/sync/window/pages').length).toBeGreaterThan(0);
        expect(await digest(copying)).toBe(await digest(source));
      } finally {
        jest.restoreAllMocks();
      }
    });
  });

  describe('a malformed page fails the pull cleanly, before anything is applied', () => {
    let engine: ExportEngine;
    let original: ExportEngine['readStreamedPage'];

    beforeAll(() => {
      engine = source.app.get(ExportEngine);
      original = engine.readStreamedPage.bind(engine);
    });
    afterEach(() => {
      engine.readStreamedPage = original;
    });

    /** The source's research pages altered by `alter` (the frames still authenticate: the source itself sends them). */
    const tamper = (alter: (page: StreamedPage, text: string) => Partial<StreamedPage> & { text?: string }) => {
      // Pages served one by one and in batches alike (both read them through readStreamedPage).
      engine.readStreamedPage = async (runner, window, route: string, req: PageRequest) => {
        const page = await original(runner, window, route, req);
        if (page.table !== 'research') return page;
        const chunks: Buffer[] = [];
        for await (const chunk of page.body) chunks.push(chunk as Buffer);
        const { text, ...rest } = alter(page, Buffer.concat(chunks).toString('utf8'));
        return { ...page, ...rest, body: Readable.from([Buffer.from(text ?? '')]) };
      };
    };
    const fieldOf = (page: StreamedPage, name: string) => page.columns.indexOf(name);

    const expectCleanFailure = async (failedIn: 'failed' | 'rolled_back') => {
      const before = await digest(copying);
      await source.dataSource.query(`UPDATE research SET title = title || '+' WHERE id = '20000000-0000-4000-8000-000000000003'`);
      const res = await pull(copying, source);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 502, error: 'ERR_MALFORMED_PAGE' });
      const log = await request(copying.url).get('/api/sync/log').set(bearer(admin.get(copying)!));
      expect(log.body.data[0]).toMatchObject({ status: failedIn, errorCode: 'ERR_MALFORMED_PAGE' });
      expect(await digest(copying)).toBe(before);
      const staging = join(copying.dataDir, 'staging');
      expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    };

    it('a value PostgreSQL refuses for its column (COPY into the typed table is the type check)', async () => {
      tamper((page, text) => {
        const at = fieldOf(page, 'startDate');
        const lines = text.split('\n');
        lines[0] = lines[0]
          .split('\t')
          .map((f, i) => (i === at ? 'not a timestamp' : f))
          .join('\t');
        return { text: lines.join('\n') };
      });
      await expectCleanFailure('rolled_back');
    });

    it('fewer rows than the page announced', async () => {
      tamper((_page, text) => ({ text: text.split('\n').slice(1).join('\n') }));
      await expectCleanFailure('failed');
    });

    it('more rows than the page announced (a COPY end marker smuggled in)', async () => {
      tamper((_page, text) => ({ text: `${text}\\.\n` }));
      await expectCleanFailure('failed');
    });

    it('columns that are not this node’s', async () => {
      tamper((page, text) => ({ columns: page.columns.map((c) => (c === 'title' ? 'secret' : c)), text }));
      await expectCleanFailure('failed');
    });

    it('a row with a column too many', async () => {
      tamper((_page, text) => ({ text: text.replace('\n', '\textra\n') }));
      await expectCleanFailure('rolled_back');
    });

    it('the page is pulled again once the source is right', async () => {
      const res = await pull(copying, source);
      expect(res.status).toBe(200);
      expect(await digest(copying)).toBe(await digest(source));
    });
  });
});
