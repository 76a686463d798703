import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FrameOpener, FrameReader } from '../shared/chunked-cipher';
import { FrameBuffers } from '../shared/frame-buffers';

/** More bytes announced than expected: the transfer stops there, nothing past the size is written. */
export class Overrun extends Error {}

/**
 * What sees a frame's plaintext once its tag verified, before it is written: a file's hash, a
 * page's row check. It may throw (the transfer fails; nothing of that frame is written).
 */
export interface VerifiedPlaintext {
  update(plaintext: Buffer): unknown;
}

/**
 * The FrameReader of a transfer into a file (a synced file's part, a page's staging file): a
 * frame's plaintext is copied as it is deciphered into a reused buffer (FrameBuffers: Node's own
 * output then dies at once), and only once its tag verified is it given to `verifiedBy` and
 * written to the file at its position. One write is in flight while the next frame arrives (the
 * caller waits with `settled`), so memory stays at a few frames per transfer.
 */
export class FrameFileWriter implements FrameReader {
  private frame?: Buffer;
  private filled = 0;
  private readonly writes: Promise<void>[] = [];
  private failure?: Error;
  private unreported = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly verifiedBy: VerifiedPlaintext,
    /** Bytes in the file (verified) so far: where the next frame is written. */
    private bytes: number,
    private readonly limit: number,
    private readonly buffers: FrameBuffers,
    private readonly onBytes: (n: number) => void = () => undefined,
    private readonly reportBytes = Infinity,
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
    try {
      this.verifiedBy.update(frame.subarray(0, length));
    } catch (error) {
      this.buffers.give(frame);
      throw error;
    }
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

/** A body fed chunk by chunk (each valid only during its call), pausing while `ready()` is pending. */
export interface FedBody {
  feed(piece: (chunk: Buffer) => void, ready: () => Promise<void> | undefined): Promise<void>;
  destroy(): void;
}

/** The body's `feed`: a FedBody's own, or a Readable's chunks fed the same way. */
export function feedOf(body: FedBody | Readable): FedBody['feed'] {
  if (!(body instanceof Readable)) return body.feed.bind(body);
  return async (piece, ready) => {
    for await (const chunk of body) {
      piece(chunk as Buffer);
      const wait = ready();
      if (wait) await wait;
    }
  };
}

/**
 * Opens the frames of `body` (the stream `streamId`, from plaintext byte `from`) into `writer`:
 * one frame written while the next arrives, the socket waiting beyond that. Resolves once the end
 * frame verified and every write is done; on a failure (the body destroyed) rejects once the
 * writes in flight have settled, so the caller may cut the file back. The writer's buffer goes
 * back to its pool either way.
 */
export async function openFramesInto(body: FedBody | Readable, key: Buffer, streamId: string, from: number, writer: FrameFileWriter): Promise<void> {
  const opener = new FrameOpener(key, streamId, from, writer);
  try {
    await feedOf(body)(
      (chunk) => opener.write(chunk),
      () => writer.pending(1),
    );
    opener.end();
    await writer.settled(0);
  } catch (error) {
    await writer.settled(0).catch(() => undefined);
    body.destroy();
    throw error;
  } finally {
    writer.report();
    writer.release();
  }
}
