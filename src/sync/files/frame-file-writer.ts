import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { FrameBuffers, FrameReader } from '../shared/chunked-cipher';

/** More bytes announced than expected: the transfer stops there, nothing past the size is written. */
export class Overrun extends Error {}

/**
 * The FrameReader of a file transfer: a frame's plaintext is copied as it is deciphered into a
 * reused buffer (FrameBuffers: Node's own output then dies at once), and only
 * once its tag verified is it hashed and written to the part file at its position. One write is
 * in flight while the next frame arrives (the caller waits with `settled`), so memory stays at a
 * few frames per transfer.
 */
export class FrameFileWriter implements FrameReader {
  private frame?: Buffer;
  private filled = 0;
  private readonly writes: Promise<void>[] = [];
  private failure?: Error;
  private unreported = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly hash: Hash,
    /** Bytes in the part file (verified) so far. */
    private bytes: number,
    private readonly limit: number,
    private readonly buffers: FrameBuffers,
    private readonly onBytes: (n: number) => void,
    private readonly reportBytes: number,
  ) {}

  get size(): number {
    return this.bytes;
  }

  frameStarted(length: number): void {
    if (this.bytes + length > this.limit) {
      this.bytes += length;
      throw new Overrun();
    }
    this.frame ??= this.buffers.take();
    this.filled = 0;
  }

  deciphered(piece: Buffer): void {
    // The opener never deciphers past the announced frame length, which fits a buffer.
    this.filled += piece.copy(this.frame!, this.filled);
  }

  verified(length: number): void {
    const frame = this.frame!;
    this.frame = undefined;
    this.hash.update(frame.subarray(0, length));
    const position = this.bytes;
    this.bytes += length;
    const write = this.file.write(frame, 0, length, position).then(
      () => {
        this.buffers.give(frame);
        this.unreported += length;
        if (this.unreported >= this.reportBytes) this.report();
      },
      (error: Error) => void (this.failure ??= error),
    );
    this.writes.push(write);
    void write.finally(() => this.writes.splice(this.writes.indexOf(write), 1));
  }

  /** Waits until at most `inFlight` writes are pending; rethrows a failed write. */
  async settled(inFlight: number): Promise<void> {
    while (this.writes.length > inFlight) await this.writes[0];
    if (this.failure) throw this.failure;
  }

  /** Undefined when at most `inFlight` writes are pending (no wait), else `settled(inFlight)`. */
  pending(inFlight: number): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    return this.writes.length > inFlight ? this.settled(inFlight) : undefined;
  }

  /** Reports what is written and not yet reported (also after a failure: a resume adds only the rest). */
  report(): void {
    if (this.unreported === 0) return;
    const n = this.unreported;
    this.unreported = 0;
    this.onBytes(n);
  }

  /** The frame being filled goes back to the pool (the transfer ended or failed). */
  release(): void {
    if (this.frame) this.buffers.give(this.frame);
    this.frame = undefined;
  }
}
