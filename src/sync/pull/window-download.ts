import { appendFileSync, createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea } from '../import/staging';
import { FrameDecryptor } from '../shared/chunked-cipher';
import { runPool } from '../shared/pool';
import type { FetchResult } from './fetch-step';
import { PeerConnection } from './peer.port';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';

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
  retry: RetryPolicy;
  signal?: AbortSignal;
}

export type Downloaded = Pick<FetchResult, 'files' | 'storedFiles' | 'presentFiles' | 'filesToDownload' | 'bytesToDownload' | 'bytesDownloaded'>;

const SHA256 = /^[0-9a-f]{64}$/;
/** Files downloaded at once, and feeds fetched at once. */
const FILE_CONCURRENCY = 4;
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
  for (const d of p.deleted as Record<string, unknown>[]) {
    if (!d || typeof d.table !== 'string' || !tables.has(d.table) || !d.key || typeof d.key !== 'object' || typeof d.deletedAt !== 'string') {
      throw malformed('bad tombstone');
    }
  }
  return p;
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
    return this.fetchFiles([...files.values()]);
  }

  private async fetchFeed(route: string, windowToken: string, tables: Set<string>, files: Map<string, FileRef>): Promise<void> {
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

  /**
   * The files the rows reference: those already here are counted, the others downloaded (a
   * preview only counts them: it moves no file).
   */
  private async fetchFiles(files: FileRef[]): Promise<Downloaded> {
    const result: Downloaded = { files, storedFiles: [], presentFiles: 0, filesToDownload: 0, bytesToDownload: 0, bytesDownloaded: 0 };
    if (files.length === 0 || !this.fileColumns) return result;
    this.progress.phase('files', { aggregate: this.fileColumns.spec.name, table: this.fileColumns.spec.table });
    const missing: FileRef[] = [];
    let bytesPresent = 0;
    await runPool(files, FILE_CONCURRENCY, async (file) => {
      this.checkCancelled();
      if (await this.store.has(file.sha256)) {
        result.presentFiles++;
        bytesPresent += file.size;
      } else {
        missing.push(file);
      }
    });
    result.filesToDownload = missing.length;
    result.bytesToDownload = missing.reduce((n, f) => n + f.size, 0);
    this.progress.filesPlanned({
      count: files.length,
      bytes: bytesPresent + result.bytesToDownload,
      present: result.presentFiles,
      bytesPresent,
      download: this.options.downloadFiles,
    });
    if (!this.options.downloadFiles) return result;
    // A few transfers at once: one file at a time leaves the link idle between requests.
    await runPool(missing, FILE_CONCURRENCY, async (file) => {
      this.checkCancelled();
      await withRetry(() => this.download(file, result), this.options.retry, this.options.signal);
      // Intent first: after a crash, recovery collects what an interrupted pull may have stored.
      appendFileSync(join(this.staging.dir, StagingArea.STORED_FILES), `${file.sha256}\n`, { mode: StagingArea.FILE_MODE });
      await this.storeVerified(file);
      result.storedFiles.push(file.sha256);
      await rm(this.partFile(file), { force: true });
      this.progress.fileProgress(0, true);
    });
    return result;
  }

  private partFile(file: FileRef): string {
    return join(this.staging.filesDir, `${file.sha256}.part`);
  }

  /**
   * Downloads (or resumes) one file into staging and verifies size and SHA-256. Every byte received
   * is added to `counted` as it arrives (downloads run side by side: no read-await-write of the total).
   */
  private async download(file: FileRef, counted: Pick<Downloaded, 'bytesDownloaded'>): Promise<void> {
    const part = this.partFile(file);
    const have = existsSync(part) ? statSync(part).size : 0;
    const start = have <= file.size ? have : 0;
    const headers: Record<string, string> = start > 0 && start < file.size ? { Range: `bytes=${start}-` } : {};
    const response = await this.connection.stream(`/api/sync/${this.fileColumns!.spec.route}/${file.rowId}/stream`, headers, this.options.signal);
    const resumed = response.status === 206 && start > 0;
    const announcedSha = response.headers['x-file-sha256'];
    const announcedSize = Number(response.headers['x-file-size']);
    if (announcedSha !== file.sha256 || announcedSize !== file.size) {
      response.body.destroy();
      throw new PeerError(response.status, 'ERR_FILE_CHECKSUM_MISMATCH', `peer announced ${announcedSha}/${announcedSize} for file ${file.sha256}/${file.size}`, false);
    }
    const count = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        counted.bytesDownloaded += chunk.length;
        this.progress.fileProgress(chunk.length, false);
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        response.body,
        new FrameDecryptor(this.connection.channelKey, file.sha256, resumed ? start : 0),
        count,
        createWriteStream(part, { flags: resumed ? 'a' : 'w', mode: StagingArea.FILE_MODE }),
      );
    } catch (error) {
      // Keep the verified-so-far bytes: the retry resumes with a Range request.
      throw error instanceof PeerError ? error : new PeerError(0, 'ERR_FILE_TRANSFER', `file ${file.sha256} transfer failed: ${(error as Error).message}`, true);
    }
  }

  /**
   * Moves a downloaded file into the store, which hashes it on the way and refuses it (storing
   * nothing) unless SHA-256 and size are the announced ones.
   */
  private async storeVerified(file: FileRef): Promise<void> {
    const part = this.partFile(file);
    const rejected = await this.store.store(createReadStream(part), { sha256: file.sha256, size: file.size });
    if (!rejected) return;
    await rm(part, { force: true });
    throw new PeerError(0, 'ERR_FILE_CHECKSUM_MISMATCH', `file ${file.sha256}: received ${rejected.size} bytes with SHA-256 ${rejected.sha256}`, false);
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}
