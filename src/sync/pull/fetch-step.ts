import { appendFileSync, createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { ChecksumMismatchError, RecordingStorage } from '../../recordings/storage/recording-storage';
import { FrameDecryptor } from '../shared/chunked-cipher';
import { runPool } from '../shared/pool';
import type { SyncManifest } from '../export/export.types';
import { StagingArea } from '../import/staging';
import { PeerCallError, PeerConnection } from './peer.port';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';

export interface FileRef {
  sha256: string;
  size: number;
  /** A record channel of the peer that references this content (the file is fetched through it). */
  recordChannelId: string;
}

interface WindowPage {
  data: Record<string, unknown>[];
  deleted: unknown[];
  table: string | null;
  next: string | null;
}

export interface FetchOptions {
  pageSize: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
}

export interface FetchResult {
  files: FileRef[];
  /** Content this pull stored (garbage-collected if the pull does not commit). */
  storedFiles: string[];
  /** Content already present locally (not downloaded). */
  presentFiles: number;
  bytesDownloaded: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** Files downloaded at once, and feeds fetched at once. */
const FILE_CONCURRENCY = 4;
const FEED_CONCURRENCY = 2;

function malformed(message: string): PeerCallError {
  return new PeerCallError(`malformed page from the peer: ${message}`, undefined, 'ERR_MALFORMED_PAGE', false);
}

/** Structural check of a window page; column values are checked by PostgreSQL at apply. */
function validatePage(page: unknown, tables: Set<string>): WindowPage {
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

/**
 * Fetch: every page of every feed of the manifest's window, and every file those rows reference,
 * to local staging. No database transaction is open meanwhile.
 */
export class FetchStep {
  constructor(
    private readonly connection: PeerConnection,
    private readonly staging: StagingArea,
    private readonly store: RecordingStorage,
    private readonly progress: ProgressTracker,
    private readonly options: FetchOptions,
  ) {}

  async run(manifest: SyncManifest, feedTables: (route: string) => string[]): Promise<FetchResult> {
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
        if (result.table === 'record_channel') this.collectFiles(result.data, files);
        this.progress.phase('fetching', { table: result.table });
        this.progress.fetched(result.data.length, text.length);
      }
      if (result.deleted.length > 0) {
        const text = JSON.stringify(result.deleted);
        await this.staging.appendPage('_tombstones', text);
        this.progress.fetched(result.deleted.length, text.length);
      }
      after = result.next;
      page++;
    } while (after);
  }

  private collectFiles(rows: Record<string, unknown>[], files: Map<string, FileRef>): void {
    for (const row of rows) {
      const sha = row.fileSha256;
      if (sha === null || sha === undefined) continue;
      const size = Number(row.fileSizeBytes);
      if (typeof sha !== 'string' || !SHA256.test(sha) || !Number.isSafeInteger(size) || size < 0 || typeof row.id !== 'string') {
        throw malformed(`record_channel ${String(row.id)} has a bad file reference`);
      }
      if (!files.has(sha)) files.set(sha, { sha256: sha, size, recordChannelId: row.id });
    }
  }

  private async fetchFiles(files: FileRef[]): Promise<FetchResult> {
    const result: FetchResult = { files, storedFiles: [], presentFiles: 0, bytesDownloaded: 0 };
    if (files.length === 0) return result;
    this.progress.phase('files', { aggregate: 'recordings', table: 'record_channel' });
    // A few transfers at once: one file at a time leaves the link idle between requests.
    await runPool(files, FILE_CONCURRENCY, async (file) => {
      this.checkCancelled();
      if (await this.store.has(file.sha256)) {
        result.presentFiles++;
        this.progress.fileProgress(file.size, true);
        return;
      }
      result.bytesDownloaded += await withRetry(() => this.download(file), this.options.retry, this.options.signal);
      // Intent first: after a crash, recovery collects what an interrupted pull may have stored.
      appendFileSync(join(this.staging.dir, StagingArea.STORED_FILES), `${file.sha256}\n`);
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

  /** Downloads (or resumes) one file into staging and verifies size and SHA-256. Returns bytes received. */
  private async download(file: FileRef): Promise<number> {
    const part = this.partFile(file);
    const have = existsSync(part) ? statSync(part).size : 0;
    const start = have <= file.size ? have : 0;
    const headers: Record<string, string> = start > 0 && start < file.size ? { Range: `bytes=${start}-` } : {};
    const response = await this.connection.stream(`/api/sync/recordings/${file.recordChannelId}/stream`, headers, this.options.signal);
    const resumed = response.status === 206 && start > 0;
    const announcedSha = response.headers['x-file-sha256'];
    const announcedSize = Number(response.headers['x-file-size']);
    if (announcedSha !== file.sha256 || announcedSize !== file.size) {
      response.body.destroy();
      throw new PeerCallError(`peer announced ${announcedSha}/${announcedSize} for file ${file.sha256}/${file.size}`, response.status, 'ERR_FILE_CHECKSUM_MISMATCH', false);
    }
    let received = 0;
    const count = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        received += chunk.length;
        this.progress.fileProgress(chunk.length, false);
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        response.body,
        new FrameDecryptor(this.connection.channelKey, file.sha256, resumed ? start : 0),
        count,
        createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
      );
    } catch (error) {
      // Keep the verified-so-far bytes: the retry resumes with a Range request.
      throw error instanceof PeerCallError ? error : new PeerCallError(`file ${file.sha256} transfer failed: ${(error as Error).message}`, undefined, 'ERR_FILE_TRANSFER', true);
    }
    return received;
  }

  /**
   * Moves a downloaded file into the store, which hashes it on the way and refuses it (storing
   * nothing) unless SHA-256 and size are the announced ones.
   */
  private async storeVerified(file: FileRef): Promise<void> {
    const part = this.partFile(file);
    try {
      await this.store.put(createReadStream(part), { expectedSha256: file.sha256, expectedSize: file.size });
    } catch (error) {
      if (!(error instanceof ChecksumMismatchError)) throw error;
      await rm(part, { force: true });
      throw new PeerCallError(
        `file ${file.sha256}: received ${error.actual.size} bytes with SHA-256 ${error.actual.sha256}`,
        undefined,
        'ERR_FILE_CHECKSUM_MISMATCH',
        false,
      );
    }
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}
