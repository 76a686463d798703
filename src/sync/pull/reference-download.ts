import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { normalizeToO } from '../../node-trust/crypto/timestamp';
import { PeerError } from '../../core/errors/peer-error';
import { ChildSpec, FeedSpec } from '../../core/sync-kernel/aggregate-spec';
import { FileColumns, TableModel } from '../../core/sync-kernel/table-model';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea } from '../import/staging';
import { PeerConnection } from './peer.port';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';
import { malformed } from './page-checks';
import type { Downloaded } from './window-download';

type Row = Record<string, unknown>;

/** A page of the reference's `since`/page protocol (PagedSyncResult). */
interface ReferencePage {
  data: Row[];
  totalPages: number;
}

/** The reference's recording file (base64 JSON). */
interface ReferenceFile {
  contentBase64: string;
  contentType?: string;
}

/** What the reference download needs of the catalog: feeds, table models, the file columns. */
export interface ReferenceCatalog {
  feeds: FeedSpec[];
  table(name: string): TableModel;
  files?: FileColumns;
}

export interface ReferenceDownloadOptions {
  pageSize: number;
  retry: RetryPolicy;
  /** The watermark: only roots with `updated_at > since` (null: everything). */
  since: string | null;
  /** Largest file accepted through the base64 route. */
  maxFileBytes: number;
  /** False for a preview: no file is fetched (rows keep no hash, as a row without file). */
  downloadFiles: boolean;
  signal?: AbortSignal;
}

/** What the download brought in: the same shape as a window download's. */
export type ReferenceDownloaded = Downloaded;

/** The peer does not serve this feed (a reference node without that aggregate). */
function isUnknownFeed(error: unknown): boolean {
  return error instanceof PeerError && (error.status === 404 || error.code === 'ERR_UNKNOWN_ENTITY_TYPE');
}

/**
 * The pull from a peer that speaks only the reference protocol (no change-feed window): every
 * feed paged with `since`/`page` to its last page, the nested rows flattened into the tables the
 * specs name, and the files through the reference's base64 route, verified by size and by a
 * SHA-256 (the peer's, or computed here when it offers none). Staged exactly like window pages,
 * so the same one-transaction apply applies them.
 *
 * The reference's offset paging over live data can repeat a row (and skip one; the overlap of the
 * next pull re-reads what was skipped): one feed is collected in memory and de-duplicated by key,
 * the newest version kept, before it is staged. Rows carry no origin (the apply uses the peer's id)
 * and join rows no timestamps (they take their parent's).
 */
export class ReferenceDownload {
  private readonly files = new Map<string, FileRef>();
  private readonly result: ReferenceDownloaded = { files: [], storedFiles: [], presentFiles: 0, filesToDownload: 0, bytesToDownload: 0, bytesDownloaded: 0 };

  constructor(
    private readonly connection: PeerConnection,
    private readonly staging: StagingArea,
    private readonly store: SyncedFiles,
    private readonly catalog: ReferenceCatalog,
    private readonly progress: ProgressTracker,
    private readonly options: ReferenceDownloadOptions,
  ) {}

  async run(): Promise<ReferenceDownloaded> {
    for (const feed of this.catalog.feeds) {
      this.progress.phase('fetching', { aggregate: null, table: feed.root });
      const rows = await this.fetchFeed(feed);
      if (!rows) continue;
      const tables = new Map<string, Map<string, Row>>();
      for (const row of rows) this.flatten(row, feed.root, feed.children ?? [], tables, null);
      for (const [table, byKey] of tables) {
        const list = [...byKey.values()];
        if (this.options.downloadFiles && this.catalog.files && table === this.catalog.files.spec.table) {
          const columns = this.catalog.files;
          const named = list.filter((row) => row[columns.hash.property] || row[columns.locator.property]);
          // The reference announces no sizes: the count is known, the bytes as they come.
          this.progress.filesPlanned({ count: named.length, bytes: 0, present: 0, bytesPresent: 0, download: true });
          this.progress.phase('files', { table });
          for (const row of named) await this.resolveFile(row);
        }
        if (list.length > 0) await this.staging.appendPage(table, JSON.stringify(list));
      }
    }
    await this.staging.seal();
    this.result.files = [...this.files.values()];
    return this.result;
  }

  /** Every page of one feed; undefined when the peer has no such feed. */
  private async fetchFeed(feed: FeedSpec): Promise<Row[] | undefined> {
    const rows: Row[] = [];
    for (let page = 1; ; page++) {
      this.checkCancelled();
      const query = new URLSearchParams({ page: String(page), pageSize: String(this.options.pageSize) });
      if (this.options.since) query.set('since', this.options.since);
      let answer: ReferencePage;
      try {
        answer = await withRetry(() => this.connection.invoke<ReferencePage>('GET', `/api/sync/${feed.route}?${query}`), this.options.retry, this.options.signal);
      } catch (error) {
        if (page === 1 && isUnknownFeed(error)) return undefined;
        throw error;
      }
      if (!answer || !Array.isArray(answer.data) || typeof answer.totalPages !== 'number') throw malformed(`${feed.route} page ${page} has no data/totalPages`);
      if (answer.data.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) throw malformed(`${feed.route} rows must be objects`);
      rows.push(...answer.data);
      this.progress.fetched(feed.route, answer.data.length);
      if (page >= answer.totalPages || answer.data.length === 0) return rows;
    }
  }

  /**
   * A nested reference row into flat table rows: child collections (or single objects) removed
   * and flattened recursively, JSON columns the reference sends as strings parsed, timestamps a
   * join row lacks taken from its parent. The newest version of a key wins.
   */
  private flatten(row: Row, table: string, children: ChildSpec[], into: Map<string, Map<string, Row>>, parent: Row | null): void {
    const model = this.catalog.table(table);
    const flat: Row = { ...row };
    for (const child of children) {
      const nested = flat[child.property];
      delete flat[child.property];
      let list: unknown[] = child.single ? (nested ? [nested] : []) : Array.isArray(nested) ? nested : [];
      if (child.codes) {
        const codes = flat[child.codes.property];
        delete flat[child.codes.property];
        // Only the codes (the reference importer's shape): the child rows are the parent's key plus each code.
        if (list.length === 0 && Array.isArray(codes)) list = codes.map((code) => this.codeRow(child, model, flat, code));
      }
      for (const item of list) {
        if (!item || typeof item !== 'object') throw malformed(`${table}.${child.property} must hold objects`);
        this.flatten(item as Row, child.table, child.children ?? [], into, flat);
      }
    }
    for (const column of model.columns) {
      const value = flat[column.property];
      if (column.type === 'jsonb' && typeof value === 'string') flat[column.property] = parseJsonText(value);
    }
    flat.updatedAt ??= parent?.updatedAt;
    flat.createdAt ??= flat.updatedAt;
    const key = model.key.map((k) => String(flat[model.columns.find((c) => c.column === k)!.property])).join('|');
    const rows = into.get(table) ?? new Map<string, Row>();
    into.set(table, rows);
    const seen = rows.get(key);
    if (!seen || instant(flat.updatedAt) > instant(seen.updatedAt)) rows.set(key, flat);
  }

  /** A child row given only by one column's value (ChildSpec.codes) under its parent. */
  private codeRow(child: ChildSpec, parentModel: TableModel, parent: Row, code: unknown): Row {
    const childModel = this.catalog.table(child.table);
    const property = (model: TableModel, column: string) => model.columns.find((c) => c.column === column)!.property;
    const row: Row = { [property(childModel, child.codes!.column)]: code };
    child.parentColumns.forEach((column, i) => (row[property(childModel, column)] = parent[property(parentModel, parentModel.key[i])]));
    return row;
  }

  /**
   * The file a row names: fetched through the base64 route when the row has a locator (the
   * reference's fileUrl) or a hash, verified by the peer's size and hash when given and hashed
   * here, stored content-addressed; the row then carries hash, size and type like a window row.
   */
  private async resolveFile(row: Row): Promise<void> {
    const columns = this.catalog.files!;
    const offeredHash = row[columns.hash.property];
    const locator = row[columns.locator.property];
    if (!offeredHash && !locator) return;
    const id = String(row[columns.key.property]);
    this.checkCancelled();
    let file: ReferenceFile;
    try {
      file = await withRetry(() => this.connection.invoke<ReferenceFile>('GET', `/api/sync/${columns.spec.route}/${encodeURIComponent(id)}/file`), this.options.retry, this.options.signal);
    } catch (error) {
      // The reference lists a blob URL it cannot serve: the row comes without its file.
      if (!offeredHash && error instanceof PeerError && error.status === 404) {
        row[columns.hash.property] = null;
        return;
      }
      throw error;
    }
    if (!file || typeof file.contentBase64 !== 'string') throw malformed(`file of ${id} has no contentBase64`);
    const content = Buffer.from(file.contentBase64, 'base64');
    if (content.length > this.options.maxFileBytes) throw new PeerError(0, 'ERR_FILE_TOO_LARGE', `file of ${id} has ${content.length} bytes (limit ${this.options.maxFileBytes})`, false);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const offeredSize = row[columns.size.property];
    if ((offeredHash && offeredHash !== sha256) || (offeredSize !== null && offeredSize !== undefined && Number(offeredSize) !== content.length)) {
      throw new PeerError(0, 'ERR_FILE_CHECKSUM_MISMATCH', `file of ${id}: received ${content.length} bytes with SHA-256 ${sha256}, the row names ${String(offeredHash)}/${String(offeredSize)}`, false);
    }
    row[columns.hash.property] = sha256;
    row[columns.size.property] = content.length;
    row[columns.contentType.property] ??= file.contentType ?? 'application/octet-stream';
    this.progress.fileProgress(content.length, false);
    if (this.files.has(sha256)) return this.progress.fileProgress(0, true);
    this.files.set(sha256, { sha256, size: content.length, rowId: id });
    this.result.bytesDownloaded += content.length;
    this.result.filesToDownload++;
    this.result.bytesToDownload += content.length;
    if (await this.store.has(sha256)) {
      this.result.presentFiles++;
    } else {
      // Intent first: after a crash, recovery collects what an interrupted pull may have stored.
      appendFileSync(join(this.staging.dir, StagingArea.STORED_FILES), `${sha256}\n`);
      const rejected = await this.store.store(Readable.from([content]), { sha256, size: content.length });
      if (rejected) throw new PeerError(0, 'ERR_FILE_CHECKSUM_MISMATCH', `file of ${id} changed while stored`, false);
      this.result.storedFiles.push(sha256);
    }
    this.progress.fileProgress(0, true);
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}

/** A timestamp comparable as text (7 fractional digits, UTC), whatever digits the peer wrote. */
function instant(value: unknown): string {
  return normalizeToO(String(value)) ?? String(value);
}

/** JSON text the reference sends for a jsonb column, as its value (text that is not JSON stays a JSON string). */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
