import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config';
import { AppError } from '../core/errors/app-error';
import { CrudEngine, Row } from '../crud/crud-engine';
import { CrudResources } from '../crud/crud-resources';
import { parseRange } from './http-range';
import { ByteRange, ChecksumMismatchError, FileTooLargeError, RecordingStorage, SHA256_HEX } from './storage/recording-storage';
import { isUuid } from '../core/uuid';

/**
 * Content types a recording may have (the reference's CSV, raw binary, plain text, EDF). Never a type
 * a global body parser consumes (JSON, forms): the route streams the raw request body.
 */
export const RECORDING_CONTENT_TYPES = ['text/csv', 'text/plain', 'application/octet-stream', 'application/edf'];


export interface UploadRequest {
  channelId: string;
  body: Readable;
  contentType: string | undefined;
  contentLength: number | undefined;
  /** Optional client-announced SHA-256 (hex); a mismatch stores nothing. */
  expectedSha256: string | undefined;
}

export interface Download {
  stream: Readable;
  contentType: string;
  sha256: string;
  size: number;
  /** Set for a 206 answer. */
  range?: ByteRange;
}

interface ChannelFile {
  sha256: string | null;
  size: string | null;
  contentType: string | null;
}

/** Uploads and downloads of record channel files; the bytes go through the RecordingStorage port. */
@Injectable()
export class RecordingFilesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly storage: RecordingStorage,
    private readonly config: AppConfig,
    private readonly crud: CrudEngine,
    private readonly resources: CrudResources,
  ) {}

  async upload(request: UploadRequest): Promise<Row> {
    await this.channelFile(request.channelId);
    const contentType = (request.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!RECORDING_CONTENT_TYPES.includes(contentType)) {
      throw new AppError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `content type "${contentType || '(none)'}" is not accepted`, {
        details: { accepted: RECORDING_CONTENT_TYPES },
      });
    }
    const maxBytes = this.config.storage.uploadMaxBytes;
    if (request.contentLength !== undefined && request.contentLength > maxBytes) throw this.tooLarge(maxBytes);
    if (request.expectedSha256 !== undefined && !SHA256_HEX.test(request.expectedSha256.toLowerCase())) {
      throw new AppError(400, 'ERR_VALIDATION', 'X-Content-SHA256 must be 64 hex characters', {
        details: { fields: [{ field: 'X-Content-SHA256', problems: ['must be 64 hex characters'] }] },
      });
    }
    let stored;
    try {
      stored = await this.storage.put(request.body, { maxBytes, expectedSha256: request.expectedSha256, expectedSize: request.contentLength });
    } catch (error) {
      if (error instanceof FileTooLargeError) throw this.tooLarge(maxBytes);
      if (error instanceof ChecksumMismatchError) {
        throw new AppError(422, 'ERR_CHECKSUM_MISMATCH', error.message, { details: { sha256: error.actual.sha256, size: error.actual.size } });
      }
      throw error;
    }
    const [updated]: [{ recordId: string }[], number] = await this.dataSource.query(
      `UPDATE record_channel SET file_sha256 = $2, file_size_bytes = $3, file_content_type = $4, file_url = $5
       WHERE id = $1 RETURNING record_id AS "recordId"`,
      [request.channelId, stored.sha256, stored.size, contentType, this.storage.locator(stored.sha256)],
    );
    // The channel was deleted while the file streamed in; the stored file is left to garbage collection.
    if (updated.length === 0) throw this.notFound(request.channelId);
    return this.crud.get(this.resources.get('record-channels'), { recordId: updated[0].recordId, id: request.channelId });
  }

  async download(channelId: string, rangeHeader: string | undefined): Promise<Download> {
    const file = await this.channelFile(channelId);
    if (!file.sha256) throw new AppError(404, 'ERR_FILE_NOT_FOUND', `record channel ${channelId} has no file`);
    const stat = await this.storage.stat(file.sha256);
    if (!stat) throw new AppError(404, 'ERR_FILE_NOT_FOUND', `the file of record channel ${channelId} is not in this node's storage`);
    const range = parseRange(rangeHeader, stat.size);
    if (range === 'unsatisfiable') {
      throw new AppError(416, 'ERR_RANGE_NOT_SATISFIABLE', `range ${rangeHeader} is outside the file (${stat.size} bytes)`, {
        details: { size: stat.size },
      });
    }
    const stream = await this.storage.openRead(file.sha256, range);
    return { stream, contentType: file.contentType ?? 'application/octet-stream', sha256: file.sha256, size: stat.size, range };
  }

  private async channelFile(channelId: string): Promise<ChannelFile> {
    if (!isUuid(channelId)) {
      throw new AppError(400, 'ERR_VALIDATION', 'id must be a UUID', { details: { fields: [{ field: 'id', problems: ['must be a UUID'] }] } });
    }
    const rows: ChannelFile[] = await this.dataSource.query(
      `SELECT trim(file_sha256) AS "sha256", file_size_bytes::text AS "size", file_content_type AS "contentType" FROM record_channel WHERE id = $1`,
      [channelId],
    );
    if (rows.length === 0) throw this.notFound(channelId);
    return rows[0];
  }

  private notFound(channelId: string): AppError {
    return new AppError(404, 'ERR_NOT_FOUND', `record channel ${channelId} not found`);
  }

  private tooLarge(maxBytes: number): AppError {
    return new AppError(413, 'ERR_PAYLOAD_TOO_LARGE', `recording files may have at most ${maxBytes} bytes`, { details: { maxBytes } });
  }
}
