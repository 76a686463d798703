import { appendFileSync, createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea } from '../import/staging';
import { FrameDecryptor } from '../shared/chunked-cipher';
import { runPool } from '../shared/pool';
import { PeerConnection } from './peer.port';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';
import type { Downloaded } from './window-download';

/** Files downloaded at once. */
const FILE_CONCURRENCY = 4;

/**
 * The file transfer of a window pull: the files the staged rows reference, streamed from the
 * peer's file route as encrypted frames, verified and put into the content store.
 */
export class FileDownload {
  constructor(
    private readonly connection: PeerConnection,
    private readonly staging: StagingArea,
    private readonly store: SyncedFiles,
    private readonly fileColumns: FileColumns | undefined,
    private readonly progress: ProgressTracker,
    private readonly options: { downloadFiles: boolean; retry: RetryPolicy; signal?: AbortSignal },
  ) {}

  /**
   * The files the rows reference: those already here are counted, the others downloaded (a
   * preview only counts them: it moves no file).
   */
  async run(files: FileRef[]): Promise<Downloaded> {
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
