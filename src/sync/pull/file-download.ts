import { appendFileSync, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { BackgroundFlush } from '../files/background-flush';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { VerifiedFile } from '../files/verified-file';
import { StagingArea } from '../import/staging';
import { FrameError } from '../shared/chunked-cipher';
import { runPool } from '../shared/pool';
import { PeerConnection } from './peer.port';
import { ProgressTracker } from './progress';
import { RetryPolicy, withRetry } from './retry';
import type { Downloaded } from './window-download';

/** Files downloaded at once unless configured (SYNC_FILE_CONCURRENCY). */
const FILE_CONCURRENCY = 8;
/** Stored files flushed at once in the background of the downloads (each holds a libuv thread). */
const FLUSH_CONCURRENCY = 2;

/**
 * The file transfer of a window pull: the files the staged rows reference, streamed from the
 * peer's file route as encrypted frames, hashed as they are written into a part file in staging,
 * and the verified part moved into the content store (no second read or copy); each file is
 * flushed as it arrives, and the batch is durable (files and directories) before the apply commits
 * rows that reference it.
 */
export class FileDownload {
  constructor(
    private readonly connection: PeerConnection,
    private readonly staging: StagingArea,
    private readonly store: SyncedFiles,
    private readonly fileColumns: FileColumns | undefined,
    private readonly progress: ProgressTracker,
    private readonly options: { downloadFiles: boolean; retry: RetryPolicy; signal?: AbortSignal; fileConcurrency?: number },
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
    const concurrency = this.options.fileConcurrency ?? FILE_CONCURRENCY;
    await runPool(files, concurrency, async (file) => {
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
    // Each stored file is flushed as it arrives, a few at a time, while the next ones download:
    // writing 1 GB back to disk after the last byte took ~1 s that the transfer could hide.
    const flushes = new BackgroundFlush((sha256) => this.store.flushFile(sha256), FLUSH_CONCURRENCY);
    try {
      // Several transfers at once: one file at a time leaves the link idle between requests.
      await runPool(missing, concurrency, async (file) => {
        this.checkCancelled();
        const verified = await withRetry(() => this.download(file, result), this.options.retry, this.options.signal);
        // Intent first: after a crash, recovery collects what an interrupted pull may have stored.
        appendFileSync(join(this.staging.dir, StagingArea.STORED_FILES), `${file.sha256}\n`, { mode: StagingArea.FILE_MODE });
        await this.store.adopt(verified);
        result.storedFiles.push(file.sha256);
        flushes.add(file.sha256);
        this.progress.fileProgress(0, true);
      });
    } finally {
      await flushes.stop();
    }
    // The batch is durable before the apply commits rows that reference it: the files not flushed
    // yet, then every directory. The files found present are flushed too (cheap when clean): one
    // may have been stored, not yet flushed, by an earlier attempt that failed and left it for a retry.
    await this.store.makeDurable(files.map((file) => file.sha256), { flushed: flushes.flushed });
    return result;
  }

  private partFile(file: FileRef): string {
    return join(this.staging.filesDir, `${file.sha256}.part`);
  }

  /**
   * Downloads (or resumes) one file into its part in staging, hashed as it is written, and returns
   * it verified: SHA-256 and size as announced, else ERR_FILE_CHECKSUM_MISMATCH and the part goes.
   * Every byte received is added to `counted` as it arrives (downloads run side by side: no
   * read-await-write of the total).
   */
  private async download(file: FileRef, counted: Pick<Downloaded, 'bytesDownloaded'>): Promise<VerifiedFile> {
    const part = this.partFile(file);
    const have = existsSync(part) ? statSync(part).size : 0;
    // Complete already (a resumed pull's transfer, interrupted before the store took it): checked, not fetched again.
    if (have === file.size && have > 0) {
      const complete = await VerifiedFile.receive(Readable.from([]), part, file, { from: have });
      if (complete instanceof VerifiedFile) return complete;
      await rm(part, { force: true });
      return this.download(file, counted);
    }
    const start = have <= file.size ? have : 0;
    const headers: Record<string, string> = start > 0 && start < file.size ? { Range: `bytes=${start}-` } : {};
    const path = `/api/sync/${this.fileColumns!.spec.route}/${file.rowId}/stream`;
    const inPlace = this.connection.streamInPlace;
    const response = inPlace ? await inPlace(path, headers, this.options.signal) : await this.connection.stream(path, headers, this.options.signal);
    const body = 'feed' in response ? response : response.body;
    const resumed = response.status === 206 && start > 0;
    const announcedSha = response.headers['x-file-sha256'];
    const announcedSize = Number(response.headers['x-file-size']);
    if (announcedSha !== file.sha256 || announcedSize !== file.size) {
      body.destroy();
      throw new PeerError(response.status, 'ERR_FILE_CHECKSUM_MISMATCH', `peer announced ${announcedSha}/${announcedSize} for file ${file.sha256}/${file.size}`, false);
    }
    let received: VerifiedFile | { sha256: string; size: number };
    try {
      received = await VerifiedFile.receiveFrames(body, { key: this.connection.channelKey }, part, file, {
        from: resumed ? start : 0,
        onBytes: (n) => {
          counted.bytesDownloaded += n;
          this.progress.fileProgress(n, false);
        },
      });
    } catch (error) {
      // A broken connection keeps the verified bytes: the retry resumes with a Range request. A
      // stream the framing refused (tampered, reordered, ended without its end frame) leaves
      // nothing: a resume would build on that transfer and, its data frames all written, could
      // complete without the end frame ever verifying.
      if (error instanceof FrameError) await rm(part, { force: true });
      throw error instanceof PeerError ? error : new PeerError(0, 'ERR_FILE_TRANSFER', `file ${file.sha256} transfer failed: ${(error as Error).message}`, true);
    }
    if (received instanceof VerifiedFile) return received;
    await rm(part, { force: true });
    throw new PeerError(0, 'ERR_FILE_CHECKSUM_MISMATCH', `file ${file.sha256}: received ${received.size} bytes with SHA-256 ${received.sha256}`, false);
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
  }
}
