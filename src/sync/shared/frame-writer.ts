import { createCipheriv, randomFillSync } from 'node:crypto';
import { Writable } from 'node:stream';
import type { PositionalFile } from '../../core/positional-file';
import { ChunkQueue } from './chunked-cipher';
import { FrameBuffers, frameBuffers } from './frame-buffers';
import { aad, EMPTY, FRAME_HEADER as HEADER, FRAME_PLAINTEXT_MAX, FRAME_TAG as TAG } from './frame-format';

/**
 * The sending side of the streamed file form (frame-format.ts) for the file route: frames sealed
 * in reused buffers and written at once (FrameEncryptor, chunked-cipher.ts, is the stream form for
 * pages and bundles).
 */

/** Frames of ciphertext in flight per answer (each in a reused buffer until the socket took it). */
const FRAMES_IN_FLIGHT = 2;

/**
 * Plaintext enciphered per `cipher.update` call when a frame is sealed into its buffer. Node's
 * cipher returns a fresh buffer per call (it cannot write into the caller's): 64 KB pieces, copied
 * into the frame at once, die young and are cheaper than one 1 MB output (measured alone:
 * ~0.85 s against ~1.05 s per GB, encryption and copy).
 */
const SEAL_PIECE = 64 * 1024;

/**
 * Writes the frames of one answer, each sealed in a reused buffer (FrameBuffers) and written whole
 * at once: Node's cipher output dies at once instead of waiting in the socket's queue (where, under
 * load, it outlived the young generation and cost the source a full garbage collection every few
 * megabytes), and a frame is one write instead of three. At most FRAMES_IN_FLIGHT frames wait for
 * the socket; `send` rejects once `out` failed or closed early.
 */
class FrameWriter {
  private inFlight = 0;
  private failure?: Error;
  private wake?: () => void;
  private readonly closed = () => {
    this.failure ??= new Error('the answer closed before its end');
    this.wake?.();
  };

  constructor(
    private readonly out: Writable,
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
    readonly buffers: FrameBuffers,
  ) {
    out.once('close', this.closed);
  }

  /**
   * Seals `plaintext` into `buffer` (taken from `buffers`) and writes the frame. The plaintext may
   * be the buffer's own frame body (`buffer.subarray(HEADER, HEADER + length)`): it is enciphered
   * in place, a piece at a time.
   */
  async send(buffer: Buffer, plaintext: Buffer, end = false): Promise<void> {
    const length = plaintext.length;
    buffer.writeUInt32BE(length, 0);
    randomFillSync(buffer, 4, 12);
    const cipher = createCipheriv('aes-256-gcm', this.key, buffer.subarray(4, HEADER));
    cipher.setAAD(aad(this.sha256, this.offset, end));
    for (let at = 0; at < length; at += SEAL_PIECE) cipher.update(plaintext.subarray(at, at + SEAL_PIECE)).copy(buffer, HEADER + at);
    cipher.final(); // GCM: no bytes held back
    cipher.getAuthTag().copy(buffer, HEADER + length);
    this.offset += length;
    this.inFlight++;
    this.out.write(buffer.subarray(0, HEADER + length + TAG), (error) => {
      this.inFlight--;
      if (error) this.failure ??= error;
      else this.buffers.give(buffer);
      this.wake?.();
    });
    while (this.inFlight >= FRAMES_IN_FLIGHT && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
  }

  /** Writes the end frame and ends `out`. */
  async end(): Promise<void> {
    await this.send(this.buffers.take(), EMPTY, true);
    this.out.end();
  }

  release(): void {
    this.out.off('close', this.closed);
  }
}

/**
 * Writes `source` (plaintext from byte `offset` of the file `sha256`) to `out` as frames, and ends
 * `out`: the same frames as FrameEncryptor, each sealed in a reused buffer and written at once
 * (FrameWriter). Rejects (having destroyed `source`) when `out` closes before the end or `source`
 * fails. For stores without positional reads (writeFileFrames).
 */
export async function writeFrames(source: AsyncIterable<Buffer> & { destroy?: () => void }, out: Writable, key: Buffer, sha256: string, offset: number, buffers = frameBuffers): Promise<void> {
  const writer = new FrameWriter(out, key, sha256, offset, buffers);
  try {
    const pending = new ChunkQueue();
    for await (const chunk of source) {
      pending.push(chunk);
      while (pending.length >= FRAME_PLAINTEXT_MAX) await writer.send(buffers.take(), pending.take(FRAME_PLAINTEXT_MAX));
    }
    if (pending.length > 0) await writer.send(buffers.take(), pending.take(pending.length));
    await writer.end();
  } catch (error) {
    source.destroy?.();
    throw error;
  } finally {
    writer.release();
  }
}

/**
 * Writes bytes [`start`, `end`) of a stored file to `out` as frames, and ends `out`: the same
 * frames as writeFrames, but each frame's plaintext is read at its position straight into the
 * frame's reused buffer and enciphered there, so no buffer is allocated per read (a read stream
 * allocates a fresh 1 MB one per read, ~1 GB per pulled GB). Closes `file`; rejects when the file
 * ends before `end`, a read fails or `out` closes before the end.
 */
export async function writeFileFrames(file: PositionalFile, start: number, end: number, out: Writable, key: Buffer, sha256: string, buffers = frameBuffers): Promise<void> {
  const writer = new FrameWriter(out, key, sha256, start, buffers);
  try {
    for (let position = start; position < end; ) {
      const buffer = buffers.take();
      const length = Math.min(FRAME_PLAINTEXT_MAX, end - position);
      for (let filled = 0; filled < length; ) {
        const read = await file.read(buffer, HEADER + filled, length - filled, position + filled);
        if (read === 0) throw new Error(`the stored file ${sha256} ended at byte ${position + filled}, before ${end}`);
        filled += read;
      }
      await writer.send(buffer, buffer.subarray(HEADER, HEADER + length));
      position += length;
    }
    await writer.end();
  } finally {
    writer.release();
    await file.close();
  }
}
