import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppConfig } from '../config';
import { AppError } from '../core/errors/app-error';
import { CrudEngine, Row } from '../crud/crud-engine';
import { CrudResources } from '../crud/crud-resources';
import { ByteRange, requireSatisfiableRange } from '../core/http/range';
import { invalidField } from '../core/validation';
import { ChannelFile, RecordingFileIndex } from './recording-file-index';
import { ChecksumMismatchError, FileTooLargeError, RecordingStorage, SHA256_HEX } from './storage/recording-storage';
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

/** Uploads and downloads of record channel files; the bytes go through the RecordingStorage port. */
@Injectable()
export class RecordingFilesService {
  constructor(
    private readonly index: RecordingFileIndex,
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
      throw invalidField('X-Content-SHA256', 'must be 64 hex characters');
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
    const recordId = await this.index.attach(request.channelId, stored, contentType);
    // The channel was deleted while the file streamed in; the stored file is left to garbage collection.
    if (recordId === undefined) throw this.notFound(request.channelId);
    return this.crud.get(this.resources.get('record-channels'), { recordId, id: request.channelId });
  }

  async download(channelId: string, rangeHeader: string | undefined): Promise<Download> {
    const file = await this.channelFile(channelId);
    if (!file.sha256) throw new AppError(404, 'ERR_FILE_NOT_FOUND', `record channel ${channelId} has no file`);
    const stat = await this.storage.stat(file.sha256);
    if (!stat) throw new AppError(404, 'ERR_FILE_NOT_FOUND', `the file of record channel ${channelId} is not in this node's storage`);
    const range = requireSatisfiableRange(rangeHeader, stat.size);
    const stream = await this.storage.openRead(file.sha256, range);
    return { stream, contentType: file.contentType ?? 'application/octet-stream', sha256: file.sha256, size: stat.size, range };
  }

  private async channelFile(channelId: string): Promise<ChannelFile> {
    if (!isUuid(channelId)) throw invalidField('id', 'must be a UUID');
    const file = await this.index.channelFile(channelId);
    if (!file) throw this.notFound(channelId);
    return file;
  }

  private notFound(channelId: string): AppError {
    return new AppError(404, 'ERR_NOT_FOUND', `record channel ${channelId} not found`);
  }

  private tooLarge(maxBytes: number): AppError {
    return new AppError(413, 'ERR_PAYLOAD_TOO_LARGE', `recording files may have at most ${maxBytes} bytes`, { details: { maxBytes } });
  }
}
