import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource, QueryRunner } from 'typeorm';
import { AppError } from '../core/errors/app-error';
import { ByteRange } from '../core/http/range';
import { changedSince, q } from '../core/sync-kernel/sql';
import { FileTotals, ReferencePlacement, RejectedContent, ServedFile, SyncedFiles } from '../sync/files/synced-files.port';
import { RECORDING_FILES } from './recordings.sync-spec';
import { SessionResearch } from './session-research.port';
import { VerifiedFile } from '../sync/files/verified-file';
import type { PositionalFile } from '../core/positional-file';
import { ChecksumMismatchError, RecordingStorage, StoredFile } from './storage/recording-storage';

const { table, columns } = RECORDING_FILES;
const CHANNEL = q(table);
const SHA = q(columns.hash);
const SIZE = q(columns.size);
const TYPE = q(columns.contentType);
const LOCATOR = q(columns.locator);
/**
 * Advisory lock between the file collector (exclusive) and attaching stored content to a row
 * (shared): content is either collected before a row references it (the attach sees it gone and
 * asks for the upload again) or referenced before the collector looks ("PRSF").
 */
const FILES_LOCK_KEY = 0x50525346;

/** The file columns of one record channel. */
export interface ChannelFile {
  sha256: string | null;
  size: string | null;
  contentType: string | null;
}

/**
 * Every SQL statement on the file columns of record_channel (RECORDING_FILES), for the file routes
 * of this module and, as the SyncedFiles port, for the sync engine (window totals, the served
 * file's lookup, verify's hash list, the referenced-hash check of garbage collection).
 */
@Injectable()
export class RecordingFileIndex extends SyncedFiles {
  constructor(
    private readonly dataSource: DataSource,
    private readonly storage: RecordingStorage,
    private readonly sessions: SessionResearch,
  ) {
    super();
  }

  /** The file columns of a channel; undefined when the channel does not exist. */
  async channelFile(channelId: string): Promise<ChannelFile | undefined> {
    const rows: ChannelFile[] = await this.dataSource.query(
      `SELECT trim(${SHA}) AS "sha256", ${SIZE}::text AS "size", ${TYPE} AS "contentType" FROM ${CHANNEL} WHERE id = $1`,
      [channelId],
    );
    return rows[0];
  }

  /** Points a channel at stored content; returns its record id, or undefined when the channel is gone. */
  async attach(channelId: string, stored: StoredFile, contentType: string): Promise<string | undefined> {
    const updated = await this.attachWhere('id = $1', channelId, stored, contentType);
    return updated[0]?.recordId;
  }

  /** Points every channel of a record at stored content (the reference's upload). */
  async attachToRecord(recordId: string, stored: StoredFile, contentType: string): Promise<void> {
    await this.attachWhere('record_id = $1', recordId, stored, contentType);
  }

  private attachWhere(where: string, id: string, stored: StoredFile, contentType: string): Promise<{ recordId: string }[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [FILES_LOCK_KEY]);
      if (!(await this.storage.has(stored.sha256))) {
        throw new AppError(409, 'ERR_CONFLICT', `the stored content ${stored.sha256} was collected as unreferenced before it could be attached: upload it again`);
      }
      const [updated]: [{ recordId: string }[], number] = await manager.query(
        `UPDATE ${CHANNEL} SET ${SHA} = $2, ${SIZE} = $3, ${TYPE} = $4, ${LOCATOR} = $5 WHERE ${where} RETURNING record_id AS "recordId"`,
        [id, stored.sha256, stored.size, contentType, this.storage.locator(stored.sha256)],
      );
      return updated;
    });
  }

  async served(channelId: string): Promise<ServedFile> {
    const rows: { sha: string | null; size: string | null; type: string | null }[] = await this.dataSource.query(
      `SELECT ${SHA} AS sha, ${SIZE}::text AS size, ${TYPE} AS type FROM ${CHANNEL} WHERE id = $1`,
      [channelId],
    );
    const row = rows[0];
    if (!row || !row.sha) throw new AppError(404, 'ERR_RECORDING_NOT_FOUND', `record channel ${channelId} has no recording file`);
    return { rowId: channelId, sha256: row.sha, size: Number(row.size), contentType: row.type ?? 'application/octet-stream' };
  }

  /** The reference's blob layout: {researchId|unlinked}/{sessionId}/{recordId}.csv */
  async placement(file: ServedFile): Promise<ReferencePlacement> {
    const [row]: { record_id: string; session: string }[] = await this.dataSource.query(
      `SELECT rc.record_id, r.record_session_id AS session FROM ${CHANNEL} rc JOIN record r ON r.id = rc.record_id WHERE rc.id = $1`,
      [file.rowId],
    );
    const fileName = `${row.record_id}.csv`;
    const research = await this.sessions.researchOf(row.session);
    return { fileName, blobPath: `${research ?? 'unlinked'}/${row.session}/${fileName}` };
  }

  openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.storage.openRead(sha256, range);
  }

  override openPositional(sha256: string): Promise<PositionalFile | undefined> {
    return this.storage.openPositional(sha256);
  }

  async windowTotals(runner: QueryRunner, fromSnapshot: string): Promise<FileTotals> {
    const [files]: { count: number; bytes: string }[] = await runner.query(
      `SELECT count(*)::int AS count, coalesce(sum(size), 0)::bigint::text AS bytes FROM (
         SELECT DISTINCT ${SHA}, ${SIZE} AS size FROM ${CHANNEL} WHERE ${changedSince('change_xid', '$1')} AND ${SHA} IS NOT NULL) f`,
      [fromSnapshot],
    );
    return { count: files.count, bytes: Number(files.bytes) };
  }

  async changedTotals(runner: QueryRunner | DataSource, since: string | null): Promise<FileTotals> {
    const [files]: { count: number; bytes: string }[] = await runner.query(
      `SELECT count(*)::int AS count, coalesce(sum(${SIZE}), 0)::bigint::text AS bytes FROM ${CHANNEL}
       WHERE ${SHA} IS NOT NULL AND ($1::timestamptz IS NULL OR updated_at > $1::timestamptz)`,
      [since],
    );
    return { count: files.count, bytes: Number(files.bytes) };
  }

  async referencedHashes(runner: QueryRunner): Promise<string[]> {
    const rows: { sha: string }[] = await runner.query(`SELECT DISTINCT ${SHA} AS sha FROM ${CHANNEL} WHERE ${SHA} IS NOT NULL ORDER BY 1`);
    return rows.map((r) => r.sha);
  }

  has(sha256: string): Promise<boolean> {
    return this.storage.has(sha256);
  }

  async store(source: Readable, expected: { sha256: string; size: number }): Promise<RejectedContent | undefined> {
    try {
      await this.storage.put(source, { expectedSha256: expected.sha256, expectedSize: expected.size });
      return undefined;
    } catch (error) {
      if (error instanceof ChecksumMismatchError) return error.actual;
      throw error;
    }
  }

  override adopt(file: VerifiedFile): Promise<void> {
    return this.storage.adoptFile(file.path, { sha256: file.sha256, size: file.size });
  }

  override makeDurable(hashes: readonly string[], options: { flushed?: ReadonlySet<string> } = {}): Promise<void> {
    return this.storage.makeDurable(hashes, options);
  }

  override flushFile(sha256: string): Promise<void> {
    return this.storage.flushFile(sha256);
  }

  locator(sha256: string): string {
    return this.storage.locator(sha256);
  }

  async collectGarbage(hashes: Iterable<string>): Promise<void> {
    const candidates = [...new Set(hashes)];
    if (candidates.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FILES_LOCK_KEY]);
      for (let i = 0; i < candidates.length; i += 1000) {
        const unused: { sha: string }[] = await manager.query(
          `SELECT u.sha FROM unnest($1::text[]) AS u(sha) WHERE NOT EXISTS (SELECT 1 FROM ${CHANNEL} WHERE ${SHA} = u.sha)`,
          [candidates.slice(i, i + 1000)],
        );
        for (const { sha } of unused) await this.storage.delete(sha).catch(() => undefined);
      }
    });
  }

  async storedHashes(): Promise<string[]> {
    const hashes: string[] = [];
    for await (const sha of this.storage.list()) hashes.push(sha);
    return hashes;
  }
}
