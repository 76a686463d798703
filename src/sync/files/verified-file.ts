import { createHash, Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Duplex, Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FrameBuffers, frameBuffers } from '../shared/frame-buffers';
import { FedBody, FrameFileWriter, openFramesInto, Overrun } from './frame-file-writer';
import type { RejectedContent } from './synced-files.port';

/** Bytes per write into a part file (the decrypted frames are 1 MB). */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** Bytes reported to `onBytes` at once (progress per 64 KB socket chunk cost more than it told). */
const REPORT_BYTES = 256 * 1024;

/** Hashes and counts what passes; fails with Overrun past `limit` bytes. */
class Meter extends Transform {
  private unreported = 0;
  /** Set when more bytes arrived than announced (whichever error the pipeline reports first). */
  overran = false;

  constructor(
    private readonly hash: Hash,
    private bytes: number,
    private readonly limit: number,
    private readonly onBytes: (n: number) => void,
  ) {
    // A decrypted frame (1 MB) passes at once on its way to the part file (see FrameDecryptor).
    super({ highWaterMark: WRITE_BUFFER_BYTES });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.overran = true;
      return done(new Overrun());
    }
    this.hash.update(chunk);
    this.unreported += chunk.length;
    if (this.unreported >= REPORT_BYTES) this.report();
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.report();
    done();
  }

  /** A failed transfer still counts what it received (a resume adds only the rest). */
  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.report();
    done(error);
  }

  private report(): void {
    if (this.unreported === 0) return;
    const n = this.unreported;
    this.unreported = 0;
    this.onBytes(n);
  }

  get size(): number {
    return this.bytes;
  }
}

/**
 * A file received into a local part file and hashed as it was written: one read of the wire, one
 * hash, no second pass. Only `receive` makes one, and only when SHA-256 and size are the expected
 * ones, so whoever takes a VerifiedFile into a content store (SyncedFiles.adopt) holds content
 * that was checked.
 */
export class VerifiedFile {
  private constructor(
    readonly path: string,
    readonly sha256: string,
    readonly size: number,
  ) {}

  /**
   * Writes `source` (a stream, or a stream and the transforms it goes through) into `path` from byte `from` on (the first `from` bytes already there, from an
   * interrupted transfer, are hashed first), hashing and counting on the way. Returns the verified
   * file, or what arrived when it does not match (the part stays: the caller decides). A failing
   * source rejects with its error, keeping the bytes written so far for a resume.
   */
  static async receive(
    source: Readable | readonly [Readable, ...Duplex[]],
    path: string,
    expected: { sha256: string; size: number },
    options: { from?: number; onBytes?: (n: number) => void } = {},
  ): Promise<VerifiedFile | RejectedContent> {
    const from = options.from ?? 0;
    const hash = await hashOfFirst(path, from);
    const meter = new Meter(hash, from, expected.size, options.onBytes ?? (() => undefined));
    try {
      const chain = Array.isArray(source) ? source : [source as Readable];
      await pipeline([...chain, meter, createWriteStream(path, { flags: from > 0 ? 'a' : 'w', mode: 0o600, highWaterMark: WRITE_BUFFER_BYTES })]);
    } catch (error) {
      // By the meter's state, not the error: the streams torn down with it may report theirs first.
      if (!(error instanceof Overrun) && !meter.overran) throw error;
      return { sha256: hash.digest('hex'), size: meter.size };
    }
    return VerifiedFile.verdict(path, hash, meter.size, expected);
  }

  /**
   * Like `receive`, from an encrypted frame stream (chunked-cipher.ts) of the file `expected`
   * starting at plaintext byte `from`: each frame's plaintext is hashed and written only once its
   * tag verified; a tampered, reordered or truncated stream rejects with a FrameError, keeping the
   * verified frames written so far (for a Range resume); a stream longer than announced stops at
   * the frame that passes the size and is reported as what arrived.
   */
  static async receiveFrames(
    body: FedBody | Readable,
    frames: { key: Buffer; buffers?: FrameBuffers },
    path: string,
    expected: { sha256: string; size: number },
    options: { from?: number; onBytes?: (n: number) => void } = {},
  ): Promise<VerifiedFile | RejectedContent> {
    const from = options.from ?? 0;
    const hash = await hashOfFirst(path, from);
    const file = await open(path, from > 0 ? 'r+' : 'w', 0o600);
    const writer = new FrameFileWriter(file, hash, from, expected.size, frames.buffers ?? frameBuffers, options.onBytes ?? (() => undefined), REPORT_BYTES);
    try {
      await openFramesInto(body, frames.key, expected.sha256, from, writer);
    } catch (error) {
      if (!(error instanceof Overrun)) throw error;
      return { sha256: hash.digest('hex'), size: writer.size };
    } finally {
      await file.close();
    }
    return VerifiedFile.verdict(path, hash, writer.size, expected);
  }

  /** What arrived in `path` (its hash and size) against what was announced: the verified file, or what arrived. */
  private static verdict(path: string, hash: Hash, size: number, expected: { sha256: string; size: number }): VerifiedFile | RejectedContent {
    const received = { sha256: hash.digest('hex'), size };
    if (received.sha256 !== expected.sha256 || received.size !== expected.size) return received;
    return new VerifiedFile(path, received.sha256, received.size);
  }
}

/** A hash of the first `from` bytes already in `path` (a resumed transfer's). */
async function hashOfFirst(path: string, from: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (from > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: from - 1, highWaterMark: WRITE_BUFFER_BYTES })) hash.update(chunk as Buffer);
  }
  return hash;
}
