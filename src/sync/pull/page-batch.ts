import { pipeline, Readable } from 'node:stream';
import { FileRef } from '../files/synced-files.port';
import { PageCheckpoint, StagingArea } from '../import/staging';
import { CHUNK_MEDIA_TYPE, FrameDecryptor } from '../shared/chunked-cipher';
import { BATCH_HEADER_MAX_BYTES, BatchPartHeader, BatchRequest, batchStreamId, StreamedPageMeta } from '../shared/page-stream';
import { malformed } from './page-checks';
import { PeerConnection } from './peer.port';
import { asPageFailure, checkMeta, stageCopyRows, stageTombstones, streamedRows, StreamedPageTarget, tombstoneLimit } from './streamed-page';

/**
 * A batch of window pages (page-stream.ts): the pages of several feeds in one answer, so a small
 * window costs one round trip instead of one per page. Each part is checked and staged exactly as
 * a streamed page (streamed-page.ts); nothing but a part's header line is held.
 */

/** What the batch did for one feed: where it stands after its last part (a feed without parts is not in it). */
export interface BatchedFeed {
  after: string | null;
  /** Pages staged. */
  pages: number;
}

export interface BatchCallbacks {
  /** The target (tables, columns) of a feed's pages. */
  target(route: string): StreamedPageTarget;
  /** What to record in the ledger with a page (resumable staging). */
  checkpoint?(route: string, page: number, meta: StreamedPageMeta, added: FileRef[]): PageCheckpoint;
  /** A page is staged. */
  staged(route: string, meta: StreamedPageMeta): void;
}

/**
 * Fetches `request`'s batch into staging. Answers each feed's position after its last staged part;
 * on a failure the parts staged so far stay staged (the positions in `progress` say where each feed
 * is), and the error is a PeerError (retryable when the transfer was cut short).
 */
export async function fetchPageBatch(
  connection: PeerConnection,
  staging: StagingArea,
  request: BatchRequest,
  files: Map<string, FileRef>,
  callbacks: BatchCallbacks,
  progress: Map<string, BatchedFeed>,
  signal?: AbortSignal,
): Promise<void> {
  const params = new URLSearchParams({ window: request.window, routes: request.routes.join(','), pageSize: String(request.pageSize), budget: String(request.budget) });
  const response = await connection.stream(`/api/sync/window/pages?${params}`, {}, signal);
  const type = response.headers['content-type']?.split(';')[0].trim();
  if (type !== CHUNK_MEDIA_TYPE) {
    response.body.destroy();
    throw malformed(`a batch of pages of ${type}`);
  }
  // pipeline destroys both with either: a failed authentication ends the reads with its error.
  const plaintext = pipeline(response.body, new FrameDecryptor(connection.channelKey, batchStreamId(request), 0), () => undefined);
  const parts = new PartReader(plaintext);
  let route = 'batch';
  try {
    for (let header = await parts.line(BATCH_HEADER_MAX_BYTES); header !== null; header = await parts.line(BATCH_HEADER_MAX_BYTES)) {
      const part = parseHeader(header);
      route = part.route;
      const done = progress.get(route);
      if (!request.routes.includes(route) || (done && done.after === null)) throw malformed(`a batch part of feed ${route}, not asked or already complete`);
      const target = callbacks.target(route);
      const meta = checkMeta(part, target, staging);
      const page = (done?.pages ?? 0) + 1;
      const checkpoint = callbacks.checkpoint && ((m: StreamedPageMeta, added: FileRef[]) => callbacks.checkpoint!(route, page, m, added));
      if (meta.table === null) {
        const text = await parts.line(tombstoneLimit(meta));
        if (text === null) throw malformed('a batch ends inside a tombstone page');
        await stageTombstones(text, meta, target, staging, checkpoint?.(meta, []));
      } else {
        await stageCopyRows(staging, meta, target, files, streamedRows(parts.lines(meta.rows)), checkpoint);
      }
      progress.set(route, { after: meta.next, pages: page });
      callbacks.staged(route, meta);
    }
  } catch (error) {
    plaintext.destroy();
    throw asPageFailure(error, route);
  }
}

function parseHeader(line: string): BatchPartHeader {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw malformed('a batch part header is not JSON');
  }
  const h = header as BatchPartHeader;
  if (!h || typeof h !== 'object' || typeof h.route !== 'string') throw malformed('a batch part without its feed');
  return h;
}

const EMPTY = Buffer.alloc(0);

/** Reads a byte stream as lines: a bounded line at a time, or the next n lines as a stream (never held whole). */
export class PartReader {
  private buffered: Buffer = EMPTY;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(source: Readable) {
    this.chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  private async more(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    this.buffered = this.buffered.length === 0 ? next.value : Buffer.concat([this.buffered, next.value]);
    return true;
  }

  /** The next line without its newline (at most `max` bytes), null at the end of the stream. */
  async line(max: number): Promise<string | null> {
    let from = 0;
    for (;;) {
      const at = this.buffered.indexOf(0x0a, from);
      if (at >= 0) {
        const line = this.buffered.subarray(0, at).toString('utf8');
        this.buffered = this.buffered.subarray(at + 1);
        return line;
      }
      from = this.buffered.length;
      if (this.buffered.length > max) throw malformed('a batch line longer than allowed');
      if (!(await this.more())) {
        if (this.buffered.length > 0) throw malformed('a batch ends inside a line');
        return null;
      }
    }
  }

  /** The next `n` lines (newlines included) as a stream; the bytes after them stay for the next read. */
  lines(n: number): Readable {
    const generate = async function* (this: PartReader): AsyncGenerator<Buffer> {
      let left = n;
      while (left > 0) {
        if (this.buffered.length === 0 && !(await this.more())) throw malformed('a batch ends inside a page');
        let at = 0;
        while (left > 0) {
          const newline = this.buffered.indexOf(0x0a, at);
          if (newline < 0) break;
          left--;
          at = newline + 1;
        }
        const cut = left === 0 ? at : this.buffered.length;
        const out = this.buffered.subarray(0, cut);
        this.buffered = this.buffered.subarray(cut);
        yield out;
      }
    };
    return Readable.from(generate.call(this));
  }
}
