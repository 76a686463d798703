import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AppError } from '../../../src/core/errors/app-error';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { ExportEngine } from '../../../src/sync/export/export-engine';
import { ImportEngine } from '../../../src/sync/import/import-engine';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { TestNode } from '../../support/test-node';
import { NodePair, pull, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';
import { eventually } from '../../support/eventually';

/**
 * The apply's loading overlapped with the fetch (issue 18): a table is loaded into its typed temp
 * table once its feed has moved past it, while later feeds are still fetched (ApplyPreload). A
 * failure after such loads leaves the requester exactly as before, with no temp table left.
 */
describe('loading for the apply while the fetch goes on', () => {
  let pair: NodePair;
  /** Tables loaded before the apply's transaction (session temp tables), in order. */
  let early: string[] = [];
  let firstLoad: Promise<void>;
  let loaded: () => void;
  let loadStarted: () => void = () => undefined;
  /** Loads wait a while before they read the staging (a window can be released meanwhile). */
  let slowLoads = false;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    await buildDatasetOverHttp(pair.b, pair.adminB);
    spyOnLoads();
  });
  const spyOnLoads = () => {
    const engine = pair.a.app.get(ImportEngine);
    const loadTable = ImportEngine.prototype.loadTable.bind(engine);
    jest.spyOn(engine, 'loadTable').mockImplementation(async (runner, staging, model, options) => {
      if (options?.session) {
        loadStarted();
        if (slowLoads) await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const done = await loadTable(runner, staging, model, options);
      if (options?.session && done) {
        early.push(model.table);
        loaded();
      }
      return done;
    });
  };
  beforeEach(() => {
    early = [];
    firstLoad = new Promise((resolve) => (loaded = resolve));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await pair?.close();
  });

  const digest = async (node: TestNode, token: string) => (await verify(node, token)).digest;
  /** Temp tables of any session of the requester's database (the loads' are the only ones a pull makes). */
  const tempTables = async () => ((await pair.a.dataSource.query(`SELECT count(*)::int AS n FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'`)) as { n: number }[])[0].n;
  /** A completed pull answers before its loads' temp tables are dropped (SyncSaga): they go right after. */
  const tempTablesDropped = () => eventually('the loads\' temp tables dropped', async () => ((await tempTables()) === 0 ? 0 : undefined), 10);
  const stagingLeft = () => {
    const dir = join(pair.a.dataDir, 'staging');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('a page that fails after tables were loaded: the pull fails, nothing changed, no temp table left', async () => {
    const before = await digest(pair.a, pair.adminA);
    const source = pair.b.app.get(ExportEngine);
    const read = source.readStreamedPage.bind(source);
    // The last feed's first table: its page comes once earlier feeds are staged (and loading).
    const late = pair.b.app.get(SyncCatalog).feeds().at(-1)!.root;
    const spy = jest.spyOn(source, 'readStreamedPage').mockImplementation(async (runner, window, route, req) => {
      const page = await read(runner, window, route, req);
      if (page.table !== late) return page;
      await Promise.race([firstLoad, new Promise((resolve) => setTimeout(resolve, 5000))]);
      // Not this node's columns: ERR_MALFORMED_PAGE, not retried.
      return { ...page, columns: page.columns.map((c, i) => (i === 0 ? 'notAColumn' : c)) };
    });
    try {
      const res = await pull(pair).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 502, error: 'ERR_MALFORMED_PAGE' });
    } finally {
      spy.mockRestore();
    }
    expect(early.length).toBeGreaterThan(0);
    expect(early).not.toContain(late);
    expect(await digest(pair.a, pair.adminA)).toBe(before);
    expect(await tempTables()).toBe(0);
    expect(stagingLeft()).toEqual([]);
  });

  it('a preview loads during the fetch too, and rolls everything back', async () => {
    const before = await digest(pair.a, pair.adminA);
    const res = await request(pair.a.url).post('/api/sync/preview').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    expect(res.status).toBe(200);
    expect(early.length).toBeGreaterThan(0);
    expect(await digest(pair.a, pair.adminA)).toBe(before);
    expect(await tempTablesDropped()).toBe(0);
  });

  it('the pull then completes, with tables loaded while later feeds were fetched', async () => {
    const res = await pull(pair);
    expect(res.status).toBe(200);
    expect(early.length).toBeGreaterThan(0);
    expect(await digest(pair.a, pair.adminA)).toBe(await digest(pair.b, pair.adminB));
    expect(await tempTablesDropped()).toBe(0);
    expect(stagingLeft()).toEqual([]);
  });

  it('a window the source released mid-fetch is fetched anew: what was loaded from the first staging is dropped, the pull completes', async () => {
    const source = pair.b.app.get(ExportEngine);
    const manifest = source.manifest.bind(source);
    const page = source.windowStreamedPage.bind(source);
    const late = pair.b.app.get(SyncCatalog).feeds().at(-1)!.route;
    let expired = false;
    const started = new Promise<void>((resolve) => (loadStarted = resolve));
    slowLoads = true;
    // Page by page (no batch), so the late feed's page is its own request; it answers 410 once, after a load.
    jest.spyOn(source, 'manifest').mockImplementation(async (req) => {
      const answer = await manifest(req);
      if (answer.window) delete answer.window.pageBatch;
      return answer;
    });
    jest.spyOn(source, 'windowStreamedPage').mockImplementation(async (route, req) => {
      if (route === late && !expired) {
        // While a load from this staging is under way: the staging goes, the window is fetched anew.
        await Promise.race([started, new Promise((resolve) => setTimeout(resolve, 5000))]);
        expired = true;
        throw new AppError(410, 'ERR_WINDOW_EXPIRED', 'injected');
      }
      return page(route, req);
    });
    try {
      await pair.b.dataSource.query(`UPDATE research SET title = title || '+w'`);
      await pair.b.dataSource.query(`UPDATE ${pair.b.app.get(SyncCatalog).feeds().at(-1)!.root} SET updated_at = updated_at`);
      const res = await pull(pair);
      expect(res.status).toBe(200);
    } finally {
      slowLoads = false;
      jest.restoreAllMocks();
      // The spy on the requester's loads stays.
      spyOnLoads();
    }
    expect(expired).toBe(true);
    expect(early.length).toBeGreaterThan(0);
    expect(await digest(pair.a, pair.adminA)).toBe(await digest(pair.b, pair.adminB));
    expect(await tempTablesDropped()).toBe(0);
  });
});
