import { AppError } from '../../core/errors/app-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { PageCheckpoint, StagedPage, StagingArea } from '../import/staging';
import { runPool } from '../shared/pool';
import type { FetchResult } from './fetch-step';
import { PeerConnection } from './peer.port';
import { FileDownload } from './file-download';
import { collectFileRefs, malformed, newRefs, validatePage } from './page-checks';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';
import { fetchStreamedPage } from './streamed-page';
import { StreamedPageMeta } from '../shared/page-stream';
import { PeerError } from '../../core/errors/peer-error';
import { BatchedFeed, fetchPageBatch } from './page-batch';

/**
 * The window download of a pull (protocol 2): every page of every feed of one export window and
 * every file those rows reference, into local staging, over one connection. FetchStep runs it;
 * ReferenceDownload is its counterpart for reference-protocol peers.
 */

export interface DownloadOptions {
  downloadFiles: boolean;
  pageSize: number;
  /** File transfers in flight at once (default FILE_CONCURRENCY). */
  fileConcurrency?: number;
  /** The pages come in the `copy` format (the manifest said so): streamed into staging, never parsed. */
  copyPages?: boolean;
  /** The wire names of a table's columns here (checked against a copy page's). */
  wireNames?: (table: string) => string[];
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** The source serves batches of pages (the manifest's `window.pageBatch`): the small feeds come in one answer (page-batch.ts). */
  pageBatch?: boolean;
  /** The source serves a feed's parts (the manifest's `window.pageParts`): a big feed's tables are fetched side by side. */
  pageParts?: boolean;
  /** Page requests in flight at once where the source serves parts (SYNC_PAGE_CONCURRENCY; default PART_CONCURRENCY). */
  pageConcurrency?: number;
  /**
   * Called once every page of these tables is staged (their feed has moved past them, or ended):
   * the apply may load them while other feeds are still fetched. A table may be named again.
   */
  onTablesStaged?(tables: string[]): void;
}

/** Where a feed's fetch stands after a staged page (`after` null: the feed is complete). */
export interface FeedPosition {
  after: string | null;
  page: number;
}

/** What a kept staging holds already (KeptStagings). */
export interface ResumeFrom {
  positions: Record<string, { position: unknown; pages: number; count: number }>;
  files: FileRef[];
}

export type Downloaded = Pick<FetchResult, 'files' | 'storedFiles' | 'presentFiles' | 'filesToDownload' | 'bytesToDownload' | 'bytesDownloaded'>;

/** Feeds fetched at once (a source without parts). */
const FEED_CONCURRENCY = 2;

/** Page requests in flight at once where the source serves parts, unless configured. */
const PART_CONCURRENCY = 3;

/** The ledger key of a feed's part (a resume continues each part from its own position). */
const partKey = (route: string, part: number) => `${route}#${part}`;

/** A kept staging holds pages of this feed (fetched whole, in a batch, or in parts). */
const begun = (route: string, resume?: ResumeFrom) => !!resume && (route in resume.positions || Object.keys(resume.positions).some((key) => key.startsWith(`${route}#`)));

type Feed = NonNullable<SyncManifest['feeds']>[number];

/** A fetch task and its size (rows): with parts, the largest start first, so the longest ends soonest. */
interface FetchTask {
  rows: number;
  run(): Promise<void>;
}

/** One window's pages and files, downloaded to staging over one connection. */
export class WindowDownload {
  constructor(
    private readonly connection: PeerConnection,
    private readonly staging: StagingArea,
    private readonly store: SyncedFiles,
    private readonly fileColumns: FileColumns | undefined,
    private readonly progress: ProgressTracker,
    private readonly options: DownloadOptions,
  ) {}

  /**
   * `resume`: what a kept staging already holds (each feed's position after its last staged page,
   * the files those pages reference); fetching continues from there.
   */
  async run(manifest: SyncManifest, feedTables: (route: string) => string[], resume?: ResumeFrom): Promise<Downloaded> {
    const window = manifest.window!;
    const files = new Map<string, FileRef>((resume?.files ?? []).map((f) => [f.sha256, f]));
    // Pages of one feed follow each other (keyset); different feeds are fetched side by side.
    const feeds = (manifest.feeds ?? []).filter((feed) => feed.rows + feed.tombstones > 0);
    this.feedTables = feedTables;
    // Feeds that fit in a page or so come batched in one answer (when the source serves batches),
    // beside the bigger ones fetched page by page; a feed the batch did not finish goes on after it.
    const batched = this.options.copyPages && this.options.pageBatch ? feeds.filter((f) => !begun(f.route, resume) && f.rows + f.tombstones <= this.options.pageSize) : [];
    const batchedAt = new Map<string, BatchedFeed>();
    const parts = this.options.copyPages === true && this.options.pageParts === true;
    const tasks = feeds
      .filter((f) => !batched.includes(f))
      .flatMap((feed): FetchTask[] => {
        if (parts && this.partsOf(feed, resume)) return this.partTasks(feed, window.token, files, resume);
        return [{ rows: feed.rows + feed.tombstones, run: () => this.wholeFeed(feed, window.token, files, resume) }];
      });
    if (parts) tasks.sort((a, b) => b.rows - a.rows);
    if (batched.length > 0) tasks.unshift({ rows: 0, run: () => this.fetchBatch(batched, window.token, files, batchedAt) });
    const lanes = parts ? (this.options.pageConcurrency ?? PART_CONCURRENCY) : FEED_CONCURRENCY + (batched.length > 0 ? 1 : 0);
    await runPool(tasks, lanes, (task) => task.run());
    const unfinished = batched.filter((f) => batchedAt.get(f.route)?.after !== null);
    await runPool(unfinished, FEED_CONCURRENCY, async (feed) => {
      const at = batchedAt.get(feed.route);
      await this.fetchFeed(feed.route, window.token, new Set(feedTables(feed.route)), files, at && { after: at.after, page: at.pages + 1 });
    });
    // Releasing the source's snapshot need not hold up this pull.
    void this.connection.invoke('POST', '/api/sync/window/close', { window: window.token }).catch(() => undefined);
    await this.staging.seal();
    return new FileDownload(this.connection, this.staging, this.store, this.fileColumns, this.progress, this.options).run([...files.values()]);
  }

  /** A feed fetched page after page (`resume`: from its staged position). */
  private async wholeFeed(feed: Feed, window: string, files: Map<string, FileRef>, resume?: ResumeFrom): Promise<void> {
    const from = this.stagedPosition(feed.route, feed.route, resume);
    if (from && from.after === null) return this.feedEnded(feed.route);
    this.progress.phase('fetching', { aggregate: feed.aggregate, table: null });
    await this.fetchFeed(feed.route, window, new Set(this.feedTables!(feed.route)), files, from);
  }

  /** Where a kept staging left the ledger entry `key` (a feed, or a part of it), its rows counted as fetched for `route`. */
  private stagedPosition(key: string, route: string, resume?: ResumeFrom): FeedPosition | undefined {
    const staged = resume?.positions[key];
    if (staged) this.progress.fetched(route, staged.count);
    return staged?.position as FeedPosition | undefined;
  }

  /**
   * Whether a feed goes in parts: its tables counted by the source, and more than a page or begun
   * in parts; never one begun as a whole feed (a kept staging goes on as it was fetched, whatever
   * the page size is now).
   */
  private partsOf(feed: Feed, resume?: ResumeFrom): boolean {
    if (feed.tables === undefined || resume?.positions[feed.route]) return false;
    return feed.rows + feed.tombstones > this.options.pageSize || begun(feed.route, resume);
  }

  /**
   * A feed's parts (PAGE_PARTS_CAPABILITY): each of its tables, in the source's feed order (the
   * index names the part), and its tombstones. Every part is fetched, as the whole feed would be:
   * the counts only order them (a part with nothing costs one empty page), so a count that is
   * wrong cannot leave rows behind. Each table's staging file is written by its part alone, as by
   * its feed before.
   */
  private partTasks(feed: Feed, window: string, files: Map<string, FileRef>, resume?: ResumeFrom): FetchTask[] {
    const tables = Object.entries(feed.tables!);
    const ours = new Set(this.feedTables!(feed.route));
    const tasks = tables.map(([table, rows], part): FetchTask => {
      if (!ours.has(table)) throw malformed(`the manifest counts ${table}, not a table of ${feed.route} here`);
      return { rows: Number(rows) || 0, run: () => this.fetchPart(feed, part, new Set([table]), window, files, resume, table) };
    });
    tasks.push({ rows: Number(feed.tombstones) || 0, run: () => this.fetchPart(feed, tables.length, ours, window, files, resume) });
    return tasks;
  }

  /** One part of a feed (`table`: a table's, else the tombstones), from its staged position; once a table's part ends, the table may be loaded. */
  private async fetchPart(feed: Feed, part: number, tables: Set<string>, window: string, files: Map<string, FileRef>, resume?: ResumeFrom, table?: string): Promise<void> {
    const from = this.stagedPosition(partKey(feed.route, part), feed.route, resume);
    if (!from || from.after !== null) {
      this.progress.phase('fetching', { aggregate: feed.aggregate, table: null });
      await this.fetchStreamedFeed(feed.route, window, tables, files, from, part);
    }
    if (table && this.staging.hasPages(table)) this.tablesStaged([table]);
  }

  /**
   * The small feeds in one batch (page-batch.ts). A batch cut short on the way (a retryable
   * failure) is not retried as a batch: its feeds go on page by page from their last staged part.
   */
  private async fetchBatch(feeds: { route: string; rows: number; tombstones: number }[], window: string, files: Map<string, FileRef>, at: Map<string, BatchedFeed>): Promise<void> {
    this.checkCancelled();
    const request = {
      window,
      routes: feeds.map((f) => f.route),
      pageSize: this.options.pageSize,
      // Every row and tombstone announced, and one for each feed's (maybe empty) tombstone page.
      budget: feeds.reduce((n, f) => n + f.rows + f.tombstones + 1, 0),
    };
    const targets = new Map(feeds.map((f) => [f.route, this.streamedTarget(new Set(this.feedTables!(f.route)))]));
    try {
      await fetchPageBatch(
        this.connection,
        this.staging,
        request,
        files,
        {
          target: (route) => targets.get(route)!,
          // The ledger file is written once, after the batch (below): a batch is a few small pages, and
          // a write (file + rename) per page cost more than their staging.
          checkpoint: (route, page, meta, added) => ({
            key: route,
            position: { after: meta.next, page: page + 1 } satisfies FeedPosition,
            count: meta.rows,
            records: added,
            deferred: true,
          }),
          staged: (route, meta) => {
            if (meta.table !== null) this.progress.phase('fetching', { table: meta.table });
            if (meta.rows > 0) this.progress.fetched(route, meta.rows);
            this.pageStaged(route, meta.table, meta.next);
          },
        },
        at,
        this.options.signal,
      );
    } catch (error) {
      if (this.options.signal?.aborted || !(error instanceof PeerError) || !error.retryable) throw error;
    } finally {
      await this.staging.flushLedger();
    }
  }

  private streamedTarget(tables: Set<string>) {
    return { tables, wireNames: this.options.wireNames!, pageSize: this.options.pageSize, fileColumns: this.fileColumns };
  }

  /** Each feed's table being staged: once a feed moves to another table, the one before is complete. */
  private readonly current = new Map<string, string | null>();
  private readonly announced = new Set<string>();
  private feedTables?: (route: string) => string[];

  private pageStaged(route: string, table: string | null, next: string | null): void {
    const before = this.current.get(route);
    if (before && before !== table) this.tablesStaged([before]);
    this.current.set(route, table);
    if (next === null) this.feedEnded(route);
  }

  /** Every table of a complete feed (a resumed one's too) with pages. */
  private feedEnded(route: string): void {
    this.tablesStaged(this.feedTables!(route).filter((t) => this.staging.hasPages(t)));
  }

  private tablesStaged(tables: string[]): void {
    const fresh = tables.filter((t) => !this.announced.has(t));
    for (const t of fresh) this.announced.add(t);
    if (fresh.length > 0) this.options.onTablesStaged?.(fresh);
  }

  private async fetchFeed(route: string, windowToken: string, tables: Set<string>, files: Map<string, FileRef>, from?: FeedPosition): Promise<void> {
    if (this.options.copyPages) return this.fetchStreamedFeed(route, windowToken, tables, files, from);
    let after: string | null = from?.after ?? null;
    let page = from?.page ?? 1;
    do {
      this.checkCancelled();
      const params = new URLSearchParams({ window: windowToken, pageSize: String(this.options.pageSize), page: String(page) });
      if (after) params.set('after', after);
      const raw = await withRetry(() => this.connection.invoke('GET', `/api/sync/${route}?${params}`), this.options.retry, this.options.signal);
      const result = validatePage(raw, tables);
      const parts: StagedPage[] = [];
      const referenced = new Map<string, FileRef>();
      if (result.data.length > 0) {
        parts.push({ table: result.table!, text: JSON.stringify(result.data) });
        if (this.fileColumns && result.table === this.fileColumns.spec.table) collectFileRefs(result.data, this.fileColumns, referenced);
      }
      if (result.deleted.length > 0) parts.push({ table: '_tombstones', text: JSON.stringify(result.deleted) });
      const added = newRefs(referenced, files);
      // The page and the feed's position after it go into staging together (a resume continues after it).
      const count = result.data.length + result.deleted.length;
      await this.staging.appendPages(parts, { key: route, position: { after: result.next, page: page + 1 } satisfies FeedPosition, count, records: added });
      if (result.data.length > 0) this.progress.phase('fetching', { table: result.table });
      this.progress.fetched(route, count);
      this.pageStaged(route, result.data.length > 0 ? result.table : null, result.next);
      after = result.next;
      page++;
    } while (after);
  }

  /** The feed's pages in the `copy` format (streamed-page.ts); `part`: only that part of it (its position under its own key). */
  private async fetchStreamedFeed(route: string, window: string, tables: Set<string>, files: Map<string, FileRef>, from?: FeedPosition, part?: number): Promise<void> {
    const target = this.streamedTarget(tables);
    const key = part === undefined ? route : partKey(route, part);
    let after: string | null = from?.after ?? null;
    let page = from?.page ?? 1;
    do {
      this.checkCancelled();
      const request = { route, window, after, page, ...(part === undefined ? {} : { part }) };
      // The feed's position after the page, recorded in staging with it (a resume continues after it).
      const checkpoint = (meta: StreamedPageMeta, added: FileRef[]): PageCheckpoint => ({
        key,
        position: { after: meta.next, page: page + 1 } satisfies FeedPosition,
        count: meta.rows,
        records: added,
      });
      const meta: StreamedPageMeta = await withRetry(
        () => fetchStreamedPage(this.connection, this.staging, request, target, files, this.options.signal, checkpoint),
        this.options.retry,
        this.options.signal,
      );
      if (meta.table !== null) this.progress.phase('fetching', { table: meta.table });
      if (meta.rows > 0) this.progress.fetched(route, meta.rows);
      if (part === undefined) this.pageStaged(route, meta.table, meta.next);
      after = meta.next;
      page++;
    } while (after);
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}
