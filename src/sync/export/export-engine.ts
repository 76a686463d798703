import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { escapeLiteral } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { FeedSpec } from '../../core/sync-kernel/aggregate-spec';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { AppError } from '../../core/errors/app-error';
import { localNodeUuid } from '../../core/local-node';
import { isUuid } from '../../core/uuid';
import { RawJson, withRawField } from '../../core/http/raw-json';
import { validationError } from '../../core/validation';
import { SyncedFiles } from '../files/synced-files.port';
import { SYNC_PROTOCOL_VERSION } from '../shared/protocol';
import { EMPTY_SNAPSHOT, wireColumns } from '../../core/sync-kernel/sql';
import { cursorSnapshot, decodeCursor, decodePage, decodeWindow, encodeToken, FeedCursor, PageToken, WindowToken } from '../shared/tokens';
import { DATABASE_IDENTITY_SQL, EMPTY_WINDOW_SNAPSHOT, ExportWindows } from './export-windows';
import { assertReached, HORIZON_REACH_SQL, HorizonReach, TombstoneHorizon } from './tombstone-horizon';
import { ReferenceFilter, ReferenceSequences } from './reference-sequences';
import {
  COPY_SESSION_SQL,
  referenceCountSql,
  referencePageSql,
  windowCopySql,
  windowPageBoundsSql,
  windowPageSql,
  windowChangedSql,
} from './export-sql';
import { feedTables, ManifestRequest, PageRequest, StreamedPage, SyncManifest, TombstoneWire } from './export.types';
import { COPY_PAGE_FORMAT, PageFormat } from '../shared/protocol';
import { BatchRequest, PAGE_BATCH_CAPABILITY, PAGE_PARTS_CAPABILITY } from '../shared/page-stream';
import { batchParts } from './page-batch';
import { manifestCounts, referenceFileEntry, windowStats } from './manifest-counts';
import { countedFirstPages, FirstPages, PageBounds, readFirstPages, readTombstonePage, TombstoneRow, tombstoneWire } from './first-pages';

/** A batch of pages serves at most this many of the largest pages' rows (SYNC_MAX_PAGE_SIZE). */
const BATCH_PAGES_MAX = 4;

/** A table's rows of one page, read by a page format: how many, and the last one's position. */
interface TableRead<T> {
  n: number;
  last: string[] | null;
  answer(next: string | null): T;
}

/**
 * The one export engine: manifest and pages for every feed, from the declarative specs.
 * Window mode (cursor/after) reads the change feed of SPEC §5.3; reference mode (since/page)
 * serves the reference's nested shape.
 */
@Injectable()
export class ExportEngine {
  constructor(
    private readonly catalog: SyncCatalog,
    private readonly windows: ExportWindows,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly files: SyncedFiles,
    private readonly referenceReads: ReferenceSequences,
    private readonly horizon: TombstoneHorizon,
  ) {}

  feed(route: string): FeedSpec {
    const feed = this.catalog.feed(route);
    if (!feed) throw new AppError(400, 'ERR_UNKNOWN_ENTITY_TYPE', `unknown sync entity type "${route}"`);
    return feed;
  }

  async manifest(request: ManifestRequest): Promise<SyncManifest> {
    const base = this.manifestBase();
    const grant = request.grant;
    if (!request.windowMode) {
      await grant?.read();
      const { generatedAt, result } = await this.referenceReads.manifest(request.peer, request.since ?? null, (runner, filter) => this.referenceCounts(runner, filter));
      return { ...base, generatedAt, ...result };
    }
    const cursor: FeedCursor | undefined = request.cursor ? decodeCursor(request.cursor) : undefined;
    const asked = cursor ? cursorSnapshot(cursor) : EMPTY_SNAPSHOT;
    // Most pulls find nothing new: that is answered without exporting (and holding) a snapshot.
    // The cursor meets the tombstone horizon in the snapshot of the answer: the probe's (an empty
    // window), else the window's (a purge between the two cannot hide a delete from it).
    // The caller's session grant (a node session's PendingGrant) in the same statement: a pull with
    // nothing to do is one round trip here. Settled before anything is done or answered.
    const probeSql = windowChangedSql(this.catalog.tables(), DATABASE_IDENTITY_SQL, cursor ? HORIZON_REACH_SQL : undefined);
    const [probe]: { current: string; db: string; changed: boolean; horizon: HorizonReach | null; grant?: unknown }[] = await this.dataSource.query(
      grant ? `SELECT p.*, ${grant.sql('$2::uuid')} AS grant FROM (${probeSql}) p` : probeSql,
      grant ? [asked, isUuid(grant.nodeId) ? grant.nodeId : null] : [asked],
    );
    await grant?.settle(probe.grant ?? null);
    const dbId = probe.db;
    const reset = cursor !== undefined && cursor.db !== dbId;
    const from = reset ? EMPTY_SNAPSHOT : asked;
    const incremental = cursor !== undefined && !reset;
    if (!probe.changed && !reset) {
      if (incremental) assertReached(probe.horizon);
      await this.windows.releaseFor(request.peer);
      return { ...base, ...manifestCounts(this.catalog, new Map(), new Map(), { count: 0, bytes: 0 }), window: this.emptyWindow(from, probe.current, dbId) };
    }
    const parts = this.partsFor(request.pageFormats);
    const opened = await this.windows.open(
      from,
      request.peer,
      async (runner) => {
        if (incremental) await this.horizon.assertReachable(from, runner);
        return windowStats(runner, from, this.catalog, this.files, parts);
      },
      // Kept with the window: its first pages need not count their tables again (first-pages.ts).
      { counts: (stats) => stats.counts },
    );
    return {
      ...base,
      ...opened.result.manifest,
      window: {
        token: opened.token,
        from,
        to: opened.window.to,
        nextCursor: nextCursor(opened.window.to, dbId),
        reset,
        expiresAt: opened.expiresAt.toISOString(),
        pageFormat: this.pageFormatFor(request.pageFormats),
        ...(this.batchFor(request.pageFormats) ? { pageBatch: true } : {}),
        ...(parts ? { pageParts: true } : {}),
      },
    };
  }

  /** The page format of a window: COPY text when the requester reads it and this node serves it. */
  private pageFormatFor(accepted: string[] | undefined): PageFormat {
    return this.config.sync.copyPages && accepted?.includes(COPY_PAGE_FORMAT) ? COPY_PAGE_FORMAT : 'json';
  }

  /** The window's pages may be asked in batches (windowBatch): the requester reads them, and COPY pages are served. */
  private batchFor(accepted: string[] | undefined): boolean {
    return this.pageFormatFor(accepted) === COPY_PAGE_FORMAT && accepted!.includes(PAGE_BATCH_CAPABILITY);
  }

  /** A feed's parts may be asked side by side (`part=`, PAGE_PARTS_CAPABILITY): the requester reads them, and COPY pages are served. */
  private partsFor(accepted: string[] | undefined): boolean {
    return this.pageFormatFor(accepted) === COPY_PAGE_FORMAT && accepted!.includes(PAGE_PARTS_CAPABILITY);
  }

  /**
   * The window of a manifest that found nothing since the cursor: no snapshot held (its token names
   * none; pages of it are empty, closing it does nothing), `empty` so a puller skips both; the next
   * cursor is the probe's snapshot, as a window opened then would have given.
   */
  private emptyWindow(from: string, to: string, dbId: string): NonNullable<SyncManifest['window']> {
    const token = encodeToken({ v: 1, snapshot: EMPTY_WINDOW_SNAPSHOT, from, to, db: dbId } satisfies WindowToken);
    return { token, from, to, nextCursor: nextCursor(to, dbId), reset: false, expiresAt: new Date().toISOString(), empty: true };
  }

  /** A JSON window page: `{table, data, deleted, page, pageSize, next}`. */
  windowPage(route: string, request: PageRequest): Promise<RawJson> {
    const meta = { page: request.page ?? 1 };
    const read = this.windowPageReader(route, request, {
      rows: async (runner, table, params, fresh, pageSize) => {
        const [row]: { rows: string; n: number; last: string | null }[] = await runner.query(windowPageSql(table, !fresh), params);
        return {
          n: row.n,
          last: row.last ? (JSON.parse(row.last) as string[]) : null,
          answer: (next) => withRawField({ table: table.table, deleted: [], ...meta, pageSize, next }, 'data', row.rows),
        };
      },
      tombstones: (deleted, next, pageSize) => withRawField({ table: null, deleted, ...meta, pageSize, next }, 'data', '[]'),
    });
    if (isEmptyWindow(request)) return Promise.resolve(withRawField({ table: null, deleted: [], ...meta, pageSize: this.pageSize(request.pageSize), next: null }, 'data', '[]'));
    return this.windows.read(request.window!, read, request.caller ?? 'unknown');
  }

  /**
   * A window page in the `copy` format (StreamedPage): the page's bounds are read first, then its
   * rows stream from `COPY (…) TO STDOUT` while the window's transaction stays open; nothing of the
   * page is held here. The tombstones of the feed come as a JSON array.
   */
  windowStreamedPage(route: string, request: PageRequest): Promise<StreamedPage> {
    if (!this.config.sync.copyPages) throw validationError([{ field: 'format', problems: ['copy pages are not served by this node'] }]);
    this.streamedPageReader(route, request); // checks the request before a transaction is opened
    if (isEmptyWindow(request)) return Promise.resolve({ table: null, rows: 0, columns: [], next: null, body: Readable.from([Buffer.from('[]')]) });
    return this.windows.stream(
      request.window!,
      async (runner, window) => {
        await runner.query(COPY_SESSION_SQL);
        // A table's first page of fewer rows than a page is known from the manifest's counts (no bounds to read).
        const counts = this.windows.countsOf(window);
        const first = counts && { bounds: countedFirstPages(counts, feedTables(this.feed(route)), this.pageSize(request.pageSize)), tombstones: new Map() };
        return this.readStreamedPage(runner, window, route, request, first);
      },
      request.caller ?? 'unknown',
    );
  }

  /**
   * Pages of several feeds in one answer (page-stream.ts, BatchRequest): every page of each feed
   * in turn, read in ONE transaction attached to the window, streamed part after part (a page's
   * rows straight from its COPY, never held). Before each page the rows served are compared with
   * the budget (capped at BATCH_PAGES_MAX × the largest page): once it is spent no page starts,
   * and the requester fetches what is left page by page, from the positions the parts gave.
   */
  windowBatch(request: BatchRequest & { caller?: string }): Promise<{ body: Readable }> {
    if (!this.config.sync.copyPages) throw validationError([{ field: 'format', problems: ['copy pages are not served by this node'] }]);
    if (new Set(request.routes).size !== request.routes.length) throw validationError([{ field: 'routes', problems: ['a feed is named twice'] }]);
    for (const route of request.routes) this.feed(route);
    const budget = Math.min(request.budget, BATCH_PAGES_MAX * this.config.sync.maxPageSize);
    // Validated up front (a bad window token is a 400, not a cut stream).
    decodeWindow(request.window);
    if (isEmptyWindow({ window: request.window })) return Promise.resolve({ body: Readable.from([]) });
    return this.windows.stream(
      request.window,
      async (runner, window) => {
        await runner.query(COPY_SESSION_SQL);
        const feeds = { routes: request.routes, tables: request.routes.map((route) => feedTables(this.feed(route))) };
        const first = await readFirstPages(runner, window.from, feeds, this.catalog, this.pageSize(request.pageSize), budget, this.windows.countsOf(window));
        return { body: Readable.from(batchParts((route, page) => this.readStreamedPage(runner, window, route, page, first), request, budget)) };
      },
      request.caller ?? 'unknown',
    );
  }

  /**
   * One `copy` page at `request.after`, read on `runner` (a transaction in the window's snapshot,
   * COPY session). `first`: the tables' first pages' bounds and the feeds' first tombstone pages already read (firstPages) for this page size.
   */
  readStreamedPage(runner: QueryRunner, window: WindowToken, route: string, request: PageRequest, first?: FirstPages): Promise<StreamedPage> {
    return this.streamedPageReader(route, request, first)(runner, window);
  }

  /** The read of one `copy` page: its bounds first (unless known), then its rows streaming from `COPY (…) TO STDOUT` on the same connection. */
  private streamedPageReader(route: string, request: PageRequest, first?: FirstPages): (runner: QueryRunner, window: WindowToken) => Promise<StreamedPage> {
    return this.windowPageReader<StreamedPage>(route, request, {
      firstTombstones: first?.tombstones.get(route),
      rows: async (runner, table, params, fresh, _pageSize, window, position) => {
        const known = fresh ? first?.bounds.get(table.table) : undefined;
        const [row]: PageBounds[] = known ? [known] : await runner.query(windowPageBoundsSql(table, !fresh), params);
        const last = row.last ? (JSON.parse(row.last) as string[]) : null;
        return {
          n: row.n,
          last,
          answer: (next) => {
            const after = fresh ? null : { x: position.x, k: position.k };
            // No last position: the page is the table's whole window (its count, under a page, known).
            const sql = windowCopySql(table, window.from, after, last && { x: last[0], k: last.slice(1) }, escapeLiteral);
            const body = (runner as unknown as { databaseConnection: { query(stream: unknown): Readable } }).databaseConnection.query(copyTo(sql));
            return { table: table.table, rows: row.n, columns: wireColumns(table).map((c) => c.property), next, body };
          },
        };
      },
      tombstones: (deleted, next) => ({ table: null, rows: deleted.length, columns: [], next, body: Readable.from([Buffer.from(JSON.stringify(deleted))]) }),
    });
  }

  /**
   * The page of a window feed at `request.after`: the next rows of the first table that has any
   * left (one table per page, tables in feed order), then the feed's tombstones, as a read to run
   * in the window's snapshot. `format` reads one table's rows and shapes the answer.
   */
  private windowPageReader<T>(
    route: string,
    request: PageRequest,
    format: {
      /** The feed's first tombstone page, when already read (firstPages). */
      firstTombstones?: TombstoneRow[];
      rows(runner: QueryRunner, table: TableModel, params: unknown[], fresh: boolean, pageSize: number, window: WindowToken, position: PageToken): Promise<TableRead<T>>;
      tombstones(deleted: TombstoneWire[], next: string | null, pageSize: number): T;
    },
  ): (runner: QueryRunner, window: WindowToken) => Promise<T> {
    const feed = this.feed(route);
    if (!request.window) throw validationError([{ field: 'window', problems: ['required'] }], 'window is required with after');
    const tables = feedTables(feed).map((t) => this.catalog.table(t));
    // A part (PAGE_PARTS_CAPABILITY) is one table of the feed, or its tombstones: its pages stay in it.
    const part = request.part;
    if (part !== undefined && part > tables.length) throw validationError([{ field: 'part', problems: [`the feed has ${tables.length} tables`] }]);
    const after: PageToken = request.after ? decodePage(request.after) : { v: 1, t: part ?? 0, x: '0', k: [] };
    if (part !== undefined && after.t !== part) {
      throw new AppError(400, 'ERR_INVALID_TOKEN_FORMAT', 'after token does not belong to this part', { details: { parameter: 'after' } });
    }
    // A position names the last row by its whole key: as many values as the table has key columns
    // (one tombstone id for the tombstones), or none at the start of a table.
    const keyArity = after.t < tables.length ? tables[after.t]?.key.length : 1;
    if (after.t > tables.length || (after.k.length !== 0 && after.k.length !== keyArity)) {
      throw new AppError(400, 'ERR_INVALID_TOKEN_FORMAT', 'after token does not belong to this feed', { details: { parameter: 'after' } });
    }
    const pageSize = this.pageSize(request.pageSize);
    return async (runner: QueryRunner, window: WindowToken): Promise<T> => {
      let position = after;
      // Skip exhausted tables so a page is never empty while rows remain.
      while (position.t < tables.length) {
        const table = tables[position.t];
        const fresh = position.k.length === 0;
        const params = fresh ? [window.from, pageSize] : [window.from, pageSize, position.x, ...position.k];
        const page = await format.rows(runner, table, params, fresh, pageSize, window, position);
        if (page.n > 0) {
          const last = page.last!;
          const tableEnds = page.n < pageSize;
          // A part ends with its table.
          if (tableEnds && part !== undefined) return page.answer(null);
          const next: PageToken = tableEnds ? { v: 1, t: position.t + 1, x: '0', k: [] } : { v: 1, t: position.t, x: last[0], k: last.slice(1) };
          return page.answer(encodeToken(next));
        }
        // A part whose table has no (more) rows: one empty page ends it.
        if (part !== undefined) return format.tombstones([], null, pageSize);
        position = { v: 1, t: position.t + 1, x: '0', k: [] };
      }
      const deleted = tombstoneWire(
        tables,
        format.firstTombstones && position.k.length === 0 ? format.firstTombstones : await readTombstonePage(runner, window.from, tables, pageSize, position),
      );
      const next = deleted.length === pageSize ? { v: 1, t: tables.length, x: deleted.at(-1)!.x, k: [deleted.at(-1)!.id] } : null;
      return format.tombstones(
        deleted.map((d) => d.wire),
        next && encodeToken(next),
        pageSize,
      );
    };
  }

  async referencePage(route: string, request: PageRequest): Promise<RawJson> {
    const feed = this.feed(route);
    const root = this.catalog.table(feed.root);
    const page = Math.max(1, request.page ?? 1);
    const pageSize = this.pageSize(request.pageSize);
    return this.referenceReads.page(request.caller ?? 'unknown', route, request.since ?? null, page, async (runner, filter) => {
      const [{ n }]: { n: number }[] = await runner.query(referenceCountSql(root), [filter.since, filter.fromXid]);
      const [{ rows }]: { rows: string }[] = await runner.query(referencePageSql(root, feed.children ?? [], (t) => this.catalog.table(t)), [
        filter.since,
        (page - 1) * pageSize,
        pageSize,
        filter.fromXid,
      ]);
      return withRawField({ page, pageSize, totalRecords: n, totalPages: Math.ceil(n / pageSize) }, 'data', rows);
    });
  }

  private pageSize(requested: number | undefined): number {
    const size = requested ?? this.config.sync.defaultPageSize;
    return Math.min(Math.max(1, size), this.config.sync.maxPageSize);
  }

  private manifestBase() {
    return {
      nodeId: localNodeUuid(this.config.node.nodeId),
      protocolNodeId: this.config.node.nodeId,
      nodeName: this.config.node.nodeName,
      generatedAt: new Date().toISOString(),
      serverTime: new Date().toISOString(),
      lastSyncedAt: null,
      protocolVersion: SYNC_PROTOCOL_VERSION,
      schemaVersion: this.catalog.schemaVersion,
    };
  }

  /** The reference's flat counts: top-level rows changed since `since` per aggregate, and the files. */
  private async referenceCounts(runner: QueryRunner, filter: ReferenceFilter) {
    const counts: Record<string, { count: number; latestUpdate: string | null }> = {};
    for (const aggregate of this.catalog.aggregates()) {
      let count = 0;
      let latest: string | null = null;
      for (const feed of aggregate.feeds) {
        const [row]: { n: number; latest: string | null }[] = await runner.query(referenceCountSql(this.catalog.table(feed.root)), [filter.since, filter.fromXid]);
        count += row.n;
        if (row.latest && (!latest || row.latest > latest)) latest = row.latest;
      }
      counts[aggregate.name] = { count, latestUpdate: latest };
    }
    const files = this.catalog.files();
    if (!files) return counts;
    return { ...counts, ...referenceFileEntry(files.spec.name, await this.files.changedTotals(runner, filter.since)) };
  }
}

/** The next pull's cursor: after what the snapshot `to` (pg_snapshot text) saw. */
function nextCursor(to: string, dbId: string): string {
  return encodeToken({ v: 1, xid: to.slice(0, to.indexOf(':')), snap: to, db: dbId } satisfies FeedCursor);
}

/** A window a manifest opened empty (nothing changed since the cursor): it holds no snapshot, its pages are empty. */
function isEmptyWindow(request: PageRequest): boolean {
  return !!request.window && decodeWindow(request.window).snapshot === EMPTY_WINDOW_SNAPSHOT;
}
