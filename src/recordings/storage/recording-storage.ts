import { createHash, Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform, TransformCallback } from 'node:stream';
import type { PositionalFile } from '../../core/positional-file';

/** A stored file: its content address and size. */
export interface StoredFile {
  sha256: string;
  size: number;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** Reject (and store nothing) once more bytes than this arrive. */
  maxBytes?: number;
  /** Reject (and store nothing) when the content hashes differently (lowercase hex). */
  expectedSha256?: string;
  expectedSize?: number;
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

export class ChecksumMismatchError extends Error {
  constructor(
    readonly expected: StoredFile | { sha256?: string; size?: number },
    readonly actual: StoredFile,
  ) {
    super(`content does not match: expected ${JSON.stringify(expected)}, got sha256 ${actual.sha256}, ${actual.size} bytes`);
    this.name = 'ChecksumMismatchError';
  }
}

export class FileNotStoredError extends Error {
  constructor(readonly sha256: string) {
    super(`no stored file with sha256 ${sha256}`);
    this.name = 'FileNotStoredError';
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The port for recording files: content-addressed by SHA-256, streamed in and out in bounded memory.
 * Used by the recording file routes and by the sync pull (which stores a peer's files before the
 * apply transaction that references them commits).
 *
 * put() writes to a temporary location while hashing and counting, verifies the expectations, then
 * moves the content to its address in one atomic step; a failed or rejected put leaves nothing
 * behind, and putting content that is already stored is a no-op that returns the same address.
 */
/** What makeDurable may skip: files whose flushFile already completed. */
export interface DurableOptions {
  flushed?: ReadonlySet<string>;
}

export abstract class RecordingStorage {
  abstract put(source: Readable, options?: PutOptions): Promise<StoredFile>;
  abstract has(sha256: string): Promise<boolean>;
  /** Size of a stored file, or undefined. */
  abstract stat(sha256: string): Promise<StoredFile | undefined>;
  /** Streams a stored file (or one inclusive byte range of it); FileNotStoredError when absent. */
  abstract openRead(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * A stored file to read at positions into the caller's buffer (the file route frames it without
   * a fresh buffer per read); FileNotStoredError when absent. Undefined where the store has no
   * local file to read so (Azure): openRead then.
   */
  async openPositional(_sha256: string): Promise<PositionalFile | undefined> {
    return undefined;
  }
  /** Removes a stored file; absent is fine. */
  abstract delete(sha256: string): Promise<void>;
  /** Where this store keeps the file (record_channel.file_url, node-local). */
  abstract locator(sha256: string): string;
  /** Every stored sha256 (for garbage collection). */
  abstract list(): AsyncIterable<string>;

  /**
   * Takes a local file whose content the caller verified as `file` into the store; the local file
   * is gone afterwards. Not durable until makeDurable(). By default a put() from the file (which
   * checks it again on the way), then the local file is removed.
   */
  async adoptFile(path: string, file: StoredFile): Promise<void> {
    await this.put(createReadStream(path), { expectedSha256: file.sha256, expectedSize: file.size });
    await rm(path, { force: true });
  }

  /**
   * Flushes one adopted file's content now, while the rest of its batch is still arriving, so that
   * makeDurable has little left to wait for; its directories are left to makeDurable. By default
   * nothing (put() is durable on return).
   */
  async flushFile(_sha256: string): Promise<void> {}

  /**
   * Makes adopted files durable, once per batch: each file (but those in `flushed`, whose
   * flushFile completed) and each directory holding them. By default nothing (put() is durable on
   * return).
   */
  async makeDurable(_hashes: readonly string[], _options: DurableOptions = {}): Promise<void> {}
}

/**
 * Pass-through that hashes and counts the bytes and fails with FileTooLargeError past maxBytes.
 * `result()` is valid once the stream has ended.
 */
export class HashingMeter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  constructor(private readonly maxBytes = Number.MAX_SAFE_INTEGER) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new FileTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }

  result(): StoredFile {
    return { sha256: this.hash.digest('hex'), size: this.bytes };
  }
}

/** Throws ChecksumMismatchError when the measured content differs from what was expected. */
export function verifyExpected(actual: StoredFile, options: PutOptions): void {
  const { expectedSha256, expectedSize } = options;
  if ((expectedSha256 !== undefined && expectedSha256.toLowerCase() !== actual.sha256) || (expectedSize !== undefined && expectedSize !== actual.size)) {
    throw new ChecksumMismatchError({ sha256: expectedSha256, size: expectedSize }, actual);
  }
}
