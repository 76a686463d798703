import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { AppError } from '../../core/errors/app-error';

/**
 * The offline bundle file (docs/bundles.md):
 *
 *   line 1   BUNDLE_MAGIC
 *   line 2   the manifest, JSON (BundleManifest), in clear
 *   line 3   base64 RSA-SHA256 signature of line 2's exact bytes by the exporter's node key
 *   then     the content: gzip, then AES-256-GCM frames (shared/chunked-cipher.ts, AAD bound to
 *            the bundle id) under a random key wrapped for the recipient's certificate
 *            (RSA-OAEP-SHA256, in the manifest); its size and SHA-256 are in the manifest
 *
 * The content, decrypted and inflated, is a sequence of records: one JSON line naming the record,
 * then its bytes — `{"t":"page","table":…,"n":bytes}` (a JSON array of rows, as a window page's
 * data), `{"t":"tombstones","n":bytes}`, `{"t":"file","sha256":…,"size":bytes}` (the file's
 * content), and a last `{"t":"end","records":n}`.
 */
export const BUNDLE_MAGIC = 'PRISM-BUNDLE 1';
export const BUNDLE_FORMAT_VERSION = 1;
/** Media type of bundle files on the API. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.prism.bundle';
/** Largest manifest line accepted (the manifest lists feeds, never rows). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Largest record header line and largest page record. */
const MAX_RECORD_LINE = 64 * 1024;
export const MAX_PAGE_BYTES = 512 * 1024 * 1024;

/** The manifest (wire contract in client/). */
export type { BundleManifest } from '../../../client/src/types';

export type BundleRecord =
  | { t: 'page'; table: string; n: number }
  | { t: 'tombstones'; n: number }
  | { t: 'file'; sha256: string; size: number }
  | { t: 'end'; records: number };

export function bundleError(code: 'ERR_BUNDLE_MALFORMED' | 'ERR_BUNDLE_TAMPERED', message: string, cause?: unknown): AppError {
  return code === 'ERR_BUNDLE_MALFORMED'
    ? new AppError(400, 'ERR_BUNDLE_MALFORMED', message, { cause })
    : new AppError(422, 'ERR_BUNDLE_TAMPERED', message, { cause });
}

/** Writes records into a stream (the plaintext side of the bundle), with backpressure. */
export class RecordWriter {
  records = 0;

  constructor(private readonly out: Writable) {}

  async write(record: BundleRecord, body?: Buffer | string): Promise<void> {
    await this.put(`${JSON.stringify(record)}\n`);
    if (body !== undefined) await this.put(body);
    this.records++;
  }

  /** Writes `size` bytes from a stream as the body of the last record; fails unless exactly that many came. */
  async copy(source: Readable, size: number): Promise<void> {
    let written = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        written += chunk.length;
        if (written > size) break;
        await this.put(chunk);
      }
    } finally {
      source.destroy();
    }
    if (written !== size) throw new Error(`the stored content has ${written > size ? 'more' : 'fewer'} bytes than the ${size} its row says`);
  }

  private async put(data: Buffer | string): Promise<void> {
    if (!this.out.write(data)) await once(this.out, 'drain');
  }
}

/** Reads records from the inflated content, one at a time, in bounded memory. */
export class RecordReader {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly source: AsyncIterator<Buffer>;
  /** Plaintext bytes consumed so far. */
  bytes = 0;

  constructor(source: AsyncIterable<Buffer>, private readonly maxBytes: number) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    this.bytes += next.value.length;
    if (this.bytes > this.maxBytes) throw bundleError('ERR_BUNDLE_TAMPERED', 'the bundle content is larger than its manifest says');
    this.buffered = this.buffered.length === 0 ? next.value : Buffer.concat([this.buffered, next.value]);
    return true;
  }

  /** The next record header (undefined at the end of the stream). */
  async next(): Promise<BundleRecord | undefined> {
    for (;;) {
      const newline = this.buffered.indexOf(10);
      if (newline >= 0) {
        const line = this.buffered.subarray(0, newline).toString('utf8');
        this.buffered = this.buffered.subarray(newline + 1);
        return parseRecord(line);
      }
      if (this.buffered.length > MAX_RECORD_LINE) throw bundleError('ERR_BUNDLE_MALFORMED', 'a bundle record header is too long');
      if (!(await this.fill())) {
        if (this.buffered.length === 0) return undefined;
        throw bundleError('ERR_BUNDLE_MALFORMED', 'the bundle content ends inside a record header');
      }
    }
  }

  /** The next `n` bytes, whole (a page). */
  async take(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    for await (const chunk of this.body(n)) {
      parts.push(chunk);
      have += chunk.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
  }

  /** The next `n` bytes as they come (a file). */
  async *body(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered.length === 0 && !(await this.fill())) throw bundleError('ERR_BUNDLE_MALFORMED', 'the bundle content ends inside a record');
      const part = this.buffered.subarray(0, Math.min(left, this.buffered.length));
      this.buffered = this.buffered.subarray(part.length);
      left -= part.length;
      yield part;
    }
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function parseRecord(line: string): BundleRecord {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw bundleError('ERR_BUNDLE_MALFORMED', 'a bundle record header is not JSON', error);
  }
  const ok =
    (record?.t === 'page' && typeof record.table === 'string' && isCount(record.n) && record.n <= MAX_PAGE_BYTES) ||
    (record?.t === 'tombstones' && isCount(record.n) && record.n <= MAX_PAGE_BYTES) ||
    (record?.t === 'file' && typeof record.sha256 === 'string' && SHA256_HEX.test(record.sha256) && isCount(record.size)) ||
    (record?.t === 'end' && isCount(record.records));
  if (!ok) throw bundleError('ERR_BUNDLE_MALFORMED', `unexpected bundle record ${line.slice(0, 200)}`);
  return record as unknown as BundleRecord;
}
