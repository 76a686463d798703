import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea } from '../import/staging';
import { runPool } from '../shared/pool';
import type { FetchResult } from './fetch-step';
import { PeerConnection } from './peer.port';
import { FileDownload } from './file-download';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';
import { fetchStreamedPage } from './streamed-page';
import { StreamedPageMeta } from '../shared/page-stream';

/**
 * The window download of a pull (protocol 2): every page of every feed of one export window and
 * every file those rows reference, into local staging, over one connection. FetchStep runs it;
 * ReferenceDownload is its counterpart for reference-protocol peers.
 */

export interface WindowPage {
  data: Record<string, unknown>[];
  deleted: unknown[];
  table: string | null;
  next: string | null;
}

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
}

export type Downloaded = Pick<FetchResult, 'files' | 'storedFiles' | 'presentFiles' | 'filesToDownload' | 'bytesToDownload' | 'bytesDownloaded'>;

const SHA256 = /^[0-9a-f]{64}$/;
/** Feeds fetched at once. */
const FEED_CONCURRENCY = 2;

export function malformed(message: string): PeerError {
  return new PeerError(0, 'ERR_MALFORMED_PAGE', `malformed page from the peer: ${message}`, false);
}

/** Structural check of a window page; column values are checked by PostgreSQL at apply. */
export function validatePage(page: unknown, tables: Set<string>): WindowPage {
  const p = page as WindowPage;
  if (!p || typeof p !== 'object' || !Array.isArray(p.data) || !Array.isArray(p.deleted)) throw malformed('data/deleted must be arrays');
  if (p.next !== null && typeof p.next !== 'string') throw malformed('next must be a string or null');
  if (p.data.length > 0 && (typeof p.table !== 'string' || !tables.has(p.table))) throw malformed(`unexpected table ${String(p.table)}`);
  if (p.data.some((row) => !row || typeof row !== 'object' || Array.isArray(row))) throw malformed('rows must be objects');
  validateTombstones(p.deleted, tables);
  return p;
}

/** Structural check of a page's tombstones. */
export function validateTombstones(deleted: unknown[], tables: Set<string>): void {
  for (const d of deleted as Record<string, unknown>[]) {
    if (!d || typeof d.table !== 'string' || !tables.has(d.table) || !d.key || typeof d.key !== 'object' || typeof d.deletedAt !== 'string') {
      throw malformed('bad tombstone');
    }
  }
}

/** The files the rows of a page reference (first row per content wins), checked for shape. */
export function collectFileRefs(rows: Record<string, unknown>[], columns: FileColumns, into: Map<string, FileRef>): void {
  for (const row of rows) {
    const sha = row[columns.hash.property];
    if (sha === null || sha === undefined) continue;
    const size = Number(row[columns.size.property]);
    const id = row[columns.key.property];
    if (typeof sha !== 'string' || !SHA256.test(sha) || !Number.isSafeInteger(size) || size < 0 || typeof id !== 'string') {
      throw malformed(`${columns.spec.table} ${String(id)} has a bad file reference`);
    }
    if (!into.has(sha)) into.set(sha, { sha256: sha, size, rowId: id });
  }
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

  async run(manifest: SyncManifest, feedTables: (route: string) => string[]): Promise<Downloaded> {
    const window = manifest.window!;
    const files = new Map<string, FileRef>();
    // Pages of one feed follow each other (keyset); different feeds are fetched side by side.
    const feeds = (manifest.feeds ?? []).filter((feed) => feed.rows + feed.tombstones > 0);
    await runPool(feeds, FEED_CONCURRENCY, async (feed) => {
      this.progress.phase('fetching', { aggregate: feed.aggregate, table: null });
      await this.fetchFeed(feed.route, window.token, new Set(feedTables(feed.route)), files);
    });
    // Releasing the source's snapshot need not hold up this pull.
    void this.connection.invoke('POST', '/api/sync/window/close', { window: window.token }).catch(() => undefined);
    await this.staging.seal();
    return new FileDownload(this.connection, this.staging, this.store, this.fileColumns, this.progress, this.options).run([...files.values()]);
  }

  private async fetchFeed(route: string, windowToken: string, tables: Set<string>, files: Map<string, FileRef>): Promise<void> {
    if (this.options.copyPages) return this.fetchStreamedFeed(route, windowToken, tables, files);
    let after: string | null = null;
    let page = 1;
    do {
      this.checkCancelled();
      const params = new URLSearchParams({ window: windowToken, pageSize: String(this.options.pageSize), page: String(page) });
      if (after) params.set('after', after);
      const raw = await withRetry(() => this.connection.invoke('GET', `/api/sync/${route}?${params}`), this.options.retry, this.options.signal);
      const result = validatePage(raw, tables);
      if (result.data.length > 0) {
        const text = JSON.stringify(result.data);
        await this.staging.appendPage(result.table!, text);
        if (this.fileColumns && result.table === this.fileColumns.spec.table) collectFileRefs(result.data, this.fileColumns, files);
        this.progress.phase('fetching', { table: result.table });
        this.progress.fetched(route, result.data.length);
      }
      if (result.deleted.length > 0) {
        const text = JSON.stringify(result.deleted);
        await this.staging.appendPage('_tombstones', text);
        this.progress.fetched(route, result.deleted.length);
      }
      after = result.next;
      page++;
    } while (after);
  }

  /** The feed's pages in the `copy` format (streamed-page.ts). */
  private async fetchStreamedFeed(route: string, window: string, tables: Set<string>, files: Map<string, FileRef>): Promise<void> {
    const target = { tables, wireNames: this.options.wireNames!, pageSize: this.options.pageSize, fileColumns: this.fileColumns };
    let after: string | null = null;
    let page = 1;
    do {
      this.checkCancelled();
      const request = { route, window, after, page };
      const meta: StreamedPageMeta = await withRetry(() => fetchStreamedPage(this.connection, this.staging, request, target, files, this.options.signal), this.options.retry, this.options.signal);
      if (meta.table !== null) this.progress.phase('fetching', { table: meta.table });
      if (meta.rows > 0) this.progress.fetched(route, meta.rows);
      after = meta.next;
      page++;
    } while (after);
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}
