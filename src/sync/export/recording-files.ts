import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { RecordingStorage } from '../../recordings/storage/recording-storage';
import { isUuid } from '../../core/uuid';

export interface RecordingFileInfo {
  recordChannelId: string;
  sha256: string;
  size: number;
  contentType: string;
  fileName: string;
  blobPath: string;
}

export interface ByteRange {
  start: number;
  end: number;
}


/** Serves the recording file of a record channel to a peer (base64 JSON or encrypted stream). */
@Injectable()
export class RecordingFiles {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: RecordingStorage,
    private readonly config: AppConfig,
  ) {}

  async info(recordChannelId: string): Promise<RecordingFileInfo> {
    if (!isUuid(recordChannelId)) throw new AppError(400, 'ERR_VALIDATION', 'recordChannelId must be a UUID');
    const rows: { sha: string | null; size: string | null; type: string | null; record_id: string; session: string; research: string | null }[] =
      await this.dataSource.query(
        `SELECT rc.file_sha256 AS sha, rc.file_size_bytes::text AS size, rc.file_content_type AS type, rc.record_id,
                r.record_session_id AS session, s.research_id AS research
         FROM record_channel rc JOIN record r ON r.id = rc.record_id JOIN record_session s ON s.id = r.record_session_id
         WHERE rc.id = $1`,
        [recordChannelId],
      );
    const row = rows[0];
    if (!row || !row.sha) throw new AppError(404, 'ERR_RECORDING_NOT_FOUND', `record channel ${recordChannelId} has no recording file`);
    const fileName = `${row.record_id}.csv`;
    return {
      recordChannelId,
      sha256: row.sha,
      size: Number(row.size),
      contentType: row.type ?? 'application/octet-stream',
      fileName,
      // The reference's blob layout: {researchId|unlinked}/{sessionId}/{recordId}.csv
      blobPath: `${row.research ?? 'unlinked'}/${row.session}/${fileName}`,
    };
  }

  /** The reference's form: the whole file as base64 in JSON, for files up to a bounded size. */
  async base64(recordChannelId: string): Promise<{ contentBase64: string; contentType: string; fileName: string; blobPath: string; sha256: string; size: number }> {
    const info = await this.info(recordChannelId);
    if (info.size > this.config.sync.base64FileMaxBytes) {
      throw new AppError(
        413,
        'ERR_FILE_TOO_LARGE',
        `the file is ${info.size} bytes; files over ${this.config.sync.base64FileMaxBytes} bytes are only served by GET /api/sync/recordings/${recordChannelId}/stream`,
        { details: { size: info.size, limit: this.config.sync.base64FileMaxBytes, streamPath: `/api/sync/recordings/${recordChannelId}/stream` } },
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await this.store.openRead(info.sha256)) chunks.push(chunk as Buffer);
    return { contentBase64: Buffer.concat(chunks).toString('base64'), contentType: info.contentType, fileName: info.fileName, blobPath: info.blobPath, sha256: info.sha256, size: info.size };
  }

  /** Parses a single `Range: bytes=a-b` header against a size; undefined = whole file. */
  parseRange(header: string | undefined, size: number): ByteRange | undefined {
    if (!header) return undefined;
    const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!match || (match[1] === '' && match[2] === '')) throw rangeError(size);
    let start: number;
    let end: number;
    if (match[1] === '') {
      start = Math.max(0, size - Number(match[2]));
      end = size - 1;
    } else {
      start = Number(match[1]);
      end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    }
    if (start > end || start >= size) throw rangeError(size);
    return { start, end };
  }

  open(info: RecordingFileInfo, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    return this.store.openRead(info.sha256, range);
  }
}

function rangeError(size: number): AppError {
  return new AppError(416, 'ERR_RANGE_NOT_SATISFIABLE', `requested range is not within the file (${size} bytes)`, { details: { size } });
}
