import { Injectable } from '@nestjs/common';
import { Writable } from 'node:stream';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { ByteRange } from '../../core/http/range';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { ServedFile, SyncedFiles } from '../files/synced-files.port';
import { writeFileFrames, writeFrames } from '../shared/frame-writer';

/**
 * Serves the file a synced row references to a peer: base64 JSON (bounded) or an encrypted stream.
 * A base64 answer holds the whole file several times over (bytes, base64, ciphertext), so the file
 * bytes held by answers in progress are capped (SYNC_BASE64_IN_FLIGHT_BYTES): concurrent requests
 * cannot multiply memory; beyond, 503 ERR_NODE_BUSY (retryable) or the stream route.
 */
@Injectable()
export class FileServing {
  private inFlightBytes = 0;

  constructor(
    private readonly files: SyncedFiles,
    private readonly catalog: SyncCatalog,
    private readonly config: AppConfig,
  ) {}

  private get columns(): FileColumns {
    const columns = this.catalog.files();
    if (!columns) throw new Error('no file spec registered');
    return columns;
  }

  async info(rowId: string): Promise<ServedFile> {
    const { key, spec } = this.columns;
    if (key.type === 'uuid' && !isUuid(rowId)) throw invalidField(spec.param, 'must be a UUID');
    return this.files.served(rowId);
  }

  /**
   * The reference's form: the whole file as base64 in JSON, for files up to a bounded size.
   * `whenAnswered` receives the release of the file's share of the in-flight budget, to call once
   * the answer has left (or failed).
   */
  async base64(
    rowId: string,
    whenAnswered: (release: () => void) => void,
  ): Promise<{ contentBase64: string; contentType: string; fileName: string; blobPath: string; sha256: string; size: number }> {
    const info = await this.info(rowId);
    const limit = this.config.sync.base64FileMaxBytes;
    if (info.size > limit) {
      const streamPath = `/api/sync/${this.columns.spec.route}/${rowId}/stream`;
      throw new AppError(413, 'ERR_FILE_TOO_LARGE', `the file is ${info.size} bytes; files over ${limit} bytes are only served by GET ${streamPath}`, {
        details: { size: info.size, limit, streamPath },
      });
    }
    const release = this.reserve(info.size);
    whenAnswered(release);
    try {
      const { fileName, blobPath } = await this.files.placement(info);
      const chunks: Buffer[] = [];
      for await (const chunk of await this.files.openRead(info.sha256)) chunks.push(chunk as Buffer);
      return { contentBase64: Buffer.concat(chunks).toString('base64'), contentType: info.contentType, fileName, blobPath, sha256: info.sha256, size: info.size };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Takes `bytes` of the in-flight budget (one file always fits when nothing else is in flight). */
  private reserve(bytes: number): () => void {
    if (this.inFlightBytes > 0 && this.inFlightBytes + bytes > this.config.sync.base64InFlightBytes) {
      throw new AppError(503, 'ERR_NODE_BUSY', 'other file answers are in progress; retry shortly or use the stream route', { retryable: true, retryAfter: 2 });
    }
    this.inFlightBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlightBytes -= bytes;
    };
  }

  /**
   * Opens the file (or the range) for its stream form; the answer is then written by the returned
   * function, as frames encrypted with the channel key. Read at positions into the frames' own
   * buffers where the store allows (the filesystem store), else streamed. Opening first lets a
   * missing file fail the request before its headers are set.
   */
  async open(info: ServedFile, range?: ByteRange): Promise<(out: Writable, key: Buffer) => Promise<void>> {
    const start = range?.start ?? 0;
    const file = await this.files.openPositional(info.sha256);
    if (file) return (out, key) => writeFileFrames(file, start, range ? range.end + 1 : info.size, out, key, info.sha256);
    const body = await this.files.openRead(info.sha256, range);
    return (out, key) => writeFrames(body, out, key, info.sha256, start);
  }
}
