import { Body, Controller, HttpCode, Injectable, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { RecordingFileIndex } from './recording-file-index';
import { AppConfig } from '../config';
import { RequireUser } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { isUuid } from '../core/uuid';
import { referenceError } from '../crud/reference/reference-errors';
import { Fields } from '../core/http/fields';
import { FileTooLargeError, RecordingStorage } from './storage/recording-storage';
import { ErrorCode } from '../core/errors/error-codes';

/** The reference accepts recordings of at most 50 MB through this route (the streaming file route allows more). */
export const REFERENCE_UPLOAD_MAX_BYTES = 50 * 1024 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const invalid = (code: ErrorCode, message: string) => new AppError(400, code, message, { shape: 'detail' });

export interface RecordingUpload {
  recordingId: string;
  sessionId: string;
  contentType: string;
  data: Buffer;
}

/** Reads the reference's UploadRecordingPayload (case-insensitive members) with its limits. */
export function readRecordingUpload(body: unknown, maxBytes: number): RecordingUpload {
  const f = new Fields(body);
  const recordingId = f.raw('recordingId');
  const sessionId = f.raw('sessionId');
  if (!isUuid(recordingId) || !isUuid(sessionId)) throw invalid('ERR_UPLOAD_VALIDATION_FAILED', 'RecordingId and SessionId must be UUIDs');
  const contentType = f.str('contentType');
  if (contentType.toLowerCase() !== 'text/csv') throw invalid('ERR_UPLOAD_VALIDATION_FAILED', 'ContentType must be text/csv');
  const fileData = f.raw('fileData');
  const declared = f.raw('fileSizeBytes');
  if (typeof fileData !== 'string' || fileData.length === 0) throw invalid('ERR_UPLOAD_VALIDATION_FAILED', 'FileData is required (base64)');
  if (fileData.length > Math.ceil(maxBytes / 3) * 4 || (typeof declared === 'number' && declared > maxBytes)) {
    throw invalid('ERR_UPLOAD_VALIDATION_FAILED', `the file is larger than ${maxBytes} bytes`);
  }
  if (!BASE64.test(fileData)) throw invalid('ERR_INVALID_FILE_DATA', 'FileData is not valid base64');
  return { recordingId: recordingId.toLowerCase(), sessionId: sessionId.toLowerCase(), contentType: 'text/csv', data: Buffer.from(fileData, 'base64') };
}

/**
 * The IRIS mobile app's upload (iris-desktop-api.md §3.11 M5): the recording of a record as base64
 * inside the encrypted JSON body. Stored content-addressed like any recording file; every channel
 * of the record then points at it (file URL, SHA-256, size, content type), so it syncs as usual.
 */
@Injectable()
export class ReferenceRecordingUpload {
  constructor(
    private readonly dataSource: DataSource,
    private readonly storage: RecordingStorage,
    private readonly index: RecordingFileIndex,
    private readonly config: AppConfig,
  ) {}

  async upload(input: RecordingUpload): Promise<{ message: string; fileUrl: string }> {
    const [record]: { sessionId: string }[] = await this.dataSource.query(`SELECT record_session_id AS "sessionId" FROM record WHERE id = $1`, [input.recordingId]);
    if (!record) throw new AppError(404, 'ERR_RECORDING_NOT_FOUND', `recording ${input.recordingId} not found`, { shape: 'detail' });
    if (record.sessionId !== input.sessionId) throw new AppError(404, 'ERR_SESSION_NOT_FOUND', `session ${input.sessionId} has no recording ${input.recordingId}`, { shape: 'detail' });
    let stored;
    try {
      stored = await this.storage.put(Readable.from([input.data]), { maxBytes: this.maxBytes(), expectedSize: input.data.length });
    } catch (error) {
      if (error instanceof FileTooLargeError) throw invalid('ERR_UPLOAD_VALIDATION_FAILED', error.message);
      throw error;
    }
    await this.index.attachToRecord(input.recordingId, stored, input.contentType);
    return { message: 'Recording uploaded successfully', fileUrl: this.storage.locator(stored.sha256) };
  }

  maxBytes(): number {
    return Math.min(REFERENCE_UPLOAD_MAX_BYTES, this.config.storage.uploadMaxBytes);
  }
}

@ApiTags('reference (IRIS)')
@ApiBearerAuth()
@RequireUser()
@Controller('api/Upload')
export class ReferenceUploadController {
  constructor(private readonly uploads: ReferenceRecordingUpload) {}

  @ApiOperation({ summary: 'Reference: upload a recording (base64 CSV in the JSON body) to every channel of a record' })
  @Post('recording')
  @HttpCode(200)
  async recording(@Body() body: unknown) {
    try {
      return await this.uploads.upload(readRecordingUpload(body, this.uploads.maxBytes()));
    } catch (error) {
      throw referenceError(error);
    }
  }
}
