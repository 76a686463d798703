import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { FileRef } from '../files/synced-files.port';
import { PageCheckpoint, StagingArea } from '../import/staging';
import { CHUNK_MEDIA_TYPE, FrameError, FrameOpener } from '../shared/chunked-cipher';
import { FrameBuffers, frameBuffers } from '../shared/frame-buffers';
import { feedOf, FrameFileWriter, openFramesInto } from '../files/frame-file-writer';
import { PAGE_HEADERS, pageStreamId, StreamedPageMeta, StreamedPageRequest } from '../shared/page-stream';
import { PeerBody, PeerConnection } from './peer.port';
import { collectFileRefs, malformed, newRefs, validateTombstones } from './page-checks';

/**
 * One window page in the `copy` format (page-stream.ts), fetched into staging without parsing its
 * rows: the frames are decrypted and authenticated, the rows counted against the announced count
 * and appended to the table's staging file as they arrive. Only the file table's rows are read,
 * for the file references (three columns of each line). PostgreSQL's COPY into typed columns
 * checks every value at apply.
 */
export interface StreamedPageTarget {
  /** The feed's tables. */
  tables: Set<string>;
  /** The wire names of a table's columns here. */
  wireNames(table: string): string[];
  pageSize: number;
  fileColumns?: FileColumns;
}

/** Tombstone pages are parsed (JSON), so their size is bounded: ~10 KB per tombstone is far beyond any key. */
const TOMBSTONE_BYTES_PER_ROW = 10_000;
const TOKEN = /^[A-Za-z0-9_-]{1,2000}$/;
const EMPTY = Buffer.alloc(0);

/**
 * Fetches the page at `request.after` into staging; answers what it was and where the feed goes on.
 * `checkpoint` (a resumable staging): what to record in its ledger with the page, given the page and
 * the file references it added.
 */
export async function fetchStreamedPage(
  connection: PeerConnection,
  staging: StagingArea,
  request: StreamedPageRequest & { page: number },
  target: StreamedPageTarget,
  files: Map<string, FileRef>,
  signal?: AbortSignal,
  checkpoint?: (meta: StreamedPageMeta, added: FileRef[]) => PageCheckpoint,
): Promise<StreamedPageMeta> {
  const params = new URLSearchParams({ window: request.window, pageSize: String(target.pageSize), page: String(request.page), format: 'copy' });
  if (request.after) params.set('after', request.after);
  if (request.part !== undefined) params.set('part', String(request.part));
  const path = `/api/sync/${request.route}?${params}`;
  const inPlace = connection.streamInPlace;
  const response = inPlace ? await inPlace(path, {}, signal) : await connection.stream(path, {}, signal);
  const body = 'feed' in response ? response : response.body;
  let meta: StreamedPageMeta;
  try {
    const type = response.headers['content-type']?.split(';')[0].trim();
    if (type !== CHUNK_MEDIA_TYPE) throw malformed(`a streamed page of ${type}`);
    meta = readMeta(response.headers, target, staging);
  } catch (error) {
    body.destroy();
    throw error;
  }
  const streamId = pageStreamId(request, meta);
  try {
    if (meta.table === null) {
      await stageTombstones(await readTombstones(body, connection.channelKey, streamId, meta), meta, target, staging, checkpoint?.(meta, []));
      return meta;
    }
    await stageCopyRows(staging, meta, target, files, framedRows(body, connection.channelKey, streamId), checkpoint);
    return meta;
  } catch (error) {
    body.destroy();
    throw asPageFailure(error, request.route);
  }
}

/** A failure while a page streamed in: the peer's fault (authentication, a malformed page) is final, a cut transfer retryable. */
export function asPageFailure(error: unknown, route: string): PeerError {
  if (error instanceof PeerError) return error;
  if (error instanceof FrameError) return malformed(`page of ${route} failed authentication: ${(error as Error).message}`);
  return new PeerError(0, 'ERR_PEER_UNREACHABLE', `page of ${route} cut short: ${(error as Error).message}`, true);
}

/**
 * Writes a page's rows into staging: given the page's row check, the writer of its COPY text into
 * the table's staging file from byte `at` on (StagingArea.appendCopyPage), every byte through
 * `rows` and `rows.end()` at the end.
 */
export type CopyRowsWriter = (rows: CopyRowsCount) => (file: FileHandle, at: number) => Promise<void>;

/** The COPY text of `source` (through `transforms`, a stream) checked by `rows` and written to the file. */
export const streamedRows =
  (source: Readable, ...transforms: Transform[]): CopyRowsWriter =>
  (rows) =>
  (file, at) =>
    pipeline([source, ...transforms, new CopyRowsCheck(rows), file.createWriteStream({ start: at })]);

/**
 * The COPY text of a page's frames read in place: each frame deciphered into a reused buffer,
 * checked by `rows` once its tag verified and written from there (no fresh Buffer per socket read
 * or deciphered piece outlives its call: bench/README.md, "Pages read in place").
 */
export const framedRows =
  (body: PeerBody | Readable, key: Buffer, streamId: string, buffers: FrameBuffers = frameBuffers): CopyRowsWriter =>
  (rows) =>
  async (file, at) => {
    await openFramesInto(body, key, streamId, 0, new FrameFileWriter(file, rows, at, Infinity, buffers));
    rows.end();
  };

/**
 * A rows page's COPY text into its table's staging file (by `write`), counted against `meta.rows`;
 * the file table's references are collected; the feed's position recorded after it (resumable staging).
 */
export async function stageCopyRows(
  staging: StagingArea,
  meta: StreamedPageMeta,
  target: StreamedPageTarget,
  files: Map<string, FileRef>,
  write: CopyRowsWriter,
  checkpoint?: (meta: StreamedPageMeta, added: FileRef[]) => PageCheckpoint,
): Promise<void> {
  const refs = new Map<string, FileRef>();
  const fileColumns = target.fileColumns?.spec.table === meta.table ? target.fileColumns : undefined;
  const rows = new CopyRowsCount(meta, fileColumns && ((fields) => collectFileRefs([fileRow(fields, meta.columns, fileColumns)], fileColumns, refs)));
  await staging.appendCopyPage(meta.table!, meta.columns, meta.rows, write(rows));
  const added = newRefs(refs, files);
  if (checkpoint) await staging.checkpoint(checkpoint(meta, added), [meta.table!]);
}

/** The page's metadata (from its headers, or a batch part), checked against this node's feed and schema. */
export function checkMeta(meta: { table: string | null; rows: unknown; columns: unknown; next: unknown }, target: StreamedPageTarget, staging: StagingArea): StreamedPageMeta {
  const rows = meta.rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0 || rows > target.pageSize) throw malformed(`bad row count ${String(rows)}`);
  const next = meta.next ?? null;
  if (next !== null && (typeof next !== 'string' || !TOKEN.test(next))) throw malformed('bad next token');
  const table = meta.table ?? null;
  if (table !== null && typeof table !== 'string') throw malformed('bad table');
  if (!Array.isArray(meta.columns) || meta.columns.some((c) => typeof c !== 'string')) throw malformed('bad columns');
  const columns = meta.columns as string[];
  if (table === null) {
    if (columns.length > 0) throw malformed('a tombstone page with columns');
    return { table, rows, columns, next };
  }
  if (!target.tables.has(table)) throw malformed(`unexpected table ${table}`);
  if (rows === 0) throw malformed(`an empty page of ${table}`);
  const ours = target.wireNames(table);
  const same = columns.length === ours.length && new Set(columns).size === columns.length && columns.every((c) => ours.includes(c));
  if (!same) throw malformed(`columns of ${table} are not this node's: ${columns.join(',')}`);
  const staged = staging.copyColumns(table);
  if (staged && staged.join(',') !== columns.join(',')) throw malformed(`pages of ${table} with other column orders`);
  return { table, rows, columns, next };
}

/** The page's metadata from its headers. */
function readMeta(headers: Record<string, string | undefined>, target: StreamedPageTarget, staging: StagingArea): StreamedPageMeta {
  const rowsText = headers[PAGE_HEADERS.rows] ?? '';
  const rows = /^\d{1,9}$/.test(rowsText) ? Number(rowsText) : NaN;
  if (!(rows <= target.pageSize)) throw malformed(`bad row count ${rowsText}`);
  const columns = headers[PAGE_HEADERS.columns] ? headers[PAGE_HEADERS.columns]!.split(',') : [];
  return checkMeta({ table: headers[PAGE_HEADERS.table] ?? null, rows, columns, next: headers[PAGE_HEADERS.next] ?? null }, target, staging);
}

/** The bytes a tombstone page of `meta.rows` tombstones may have (it is parsed whole). */
export function tombstoneLimit(meta: StreamedPageMeta): number {
  return Math.max(1, meta.rows) * TOMBSTONE_BYTES_PER_ROW;
}

/** A tombstone page's body (bounded), as text. */
async function readTombstones(body: PeerBody | Readable, key: Buffer, streamId: string, meta: StreamedPageMeta): Promise<string> {
  const limit = tombstoneLimit(meta);
  const text: Buffer[] = [];
  let frame: Buffer[] = [];
  let size = 0;
  const opener = new FrameOpener(key, streamId, 0, {
    frameStarted: (length) => {
      if (size + length > limit) throw malformed('tombstone page larger than its count allows');
    },
    // Node's cipher output, kept (never a view of a reused buffer) until its frame verified.
    deciphered: (piece) => void frame.push(piece),
    verified: (length) => {
      size += length;
      text.push(...frame);
      frame = [];
    },
  });
  await feedOf(body)(
    (chunk) => opener.write(chunk),
    () => undefined,
  );
  opener.end();
  return Buffer.concat(text).toString('utf8');
}

/** The feed's tombstones (a JSON array), checked and staged as in a JSON page. */
export async function stageTombstones(text: string, meta: StreamedPageMeta, target: StreamedPageTarget, staging: StagingArea, checkpoint?: PageCheckpoint): Promise<void> {
  let deleted: unknown;
  try {
    deleted = JSON.parse(text);
  } catch {
    throw malformed('tombstones are not JSON');
  }
  if (!Array.isArray(deleted) || deleted.length !== meta.rows) throw malformed('tombstones do not match their count');
  validateTombstones(deleted, target.tables);
  await staging.appendPages(deleted.length > 0 ? [{ table: '_tombstones', text }] : [], checkpoint);
}

/** The file columns of one COPY text line, as collectFileRefs reads a row. */
function fileRow(fields: string[], columns: string[], files: FileColumns): Record<string, unknown> {
  if (fields.length !== columns.length) throw malformed(`${files.spec.table} row with ${fields.length} fields`);
  const value = (property: string) => {
    const field = fields[columns.indexOf(property)];
    return field === '\\N' ? null : field;
  };
  return { [files.key.property]: value(files.key.property), [files.hash.property]: value(files.hash.property), [files.size.property]: value(files.size.property) };
}

/**
 * Counts a page's COPY text rows (lines) as its plaintext arrives: exactly the announced count, the
 * last one complete (`end`). With `onLine`, each line's fields (tab-separated, still COPY-escaped)
 * are given to it. Each chunk is used during the call only (it may be a reused buffer).
 */
export class CopyRowsCount {
  private rows = 0;
  private lastByte = 0x0a;
  /** The bytes of a line begun in an earlier chunk (copied: a chunk may be a reused buffer). */
  private carry: Buffer = EMPTY;

  constructor(
    private readonly meta: StreamedPageMeta,
    private readonly onLine?: (fields: string[]) => void,
  ) {}

  /** Throws (malformed) at the first row past the announced count. */
  update(chunk: Buffer): void {
    let start = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, start)) {
      if (++this.rows > this.meta.rows) throw malformed(`page of ${this.meta.table} has more rows than the ${this.meta.rows} announced`);
      if (this.onLine) this.line(chunk.subarray(start, at));
      start = at + 1;
    }
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    if (this.onLine && start < chunk.length) this.carry = Buffer.concat([this.carry, chunk.subarray(start)]);
  }

  /** The page's end: throws (malformed) unless every announced row came, the last one complete. */
  end(): void {
    if (this.rows !== this.meta.rows || this.lastByte !== 0x0a) throw malformed(`page of ${this.meta.table} has ${this.rows} rows, ${this.meta.rows} announced`);
  }

  /**
   * One line decoded alone (a newline byte is never inside a UTF-8 sequence): a frame decoded whole
   * was a 1 MB string in V8's large-object space, kept there until a full collection.
   */
  private line(rest: Buffer): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, rest]) : rest;
    this.carry = EMPTY;
    this.onLine!(bytes.toString('utf8').split('\t'));
  }
}

/** Passes a page's COPY text through a CopyRowsCount (a stream of pages not read in place: a batch's parts). */
export class CopyRowsCheck extends Transform {
  constructor(private readonly rows: CopyRowsCount) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.rows.update(chunk);
    } catch (error) {
      return done(error as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.rows.end();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}
