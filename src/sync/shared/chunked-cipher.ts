import { createCipheriv, createDecipheriv, DecipherGCM, randomBytes, randomFillSync } from 'node:crypto';
import { Transform, TransformCallback, Writable } from 'node:stream';
import type { PositionalFile } from '../../core/positional-file';
import { GarbageBudget, streamGarbage } from './garbage-budget';

/**
 * The streamed file form (SPEC §5.2): the file in authenticated frames encrypted with the channel
 * key, so a file of any size moves in bounded memory and a tampered, reordered or truncated stream
 * is detected.
 *
 * Frame: [u32 BE plaintext length L][12-byte IV][L bytes ciphertext][16-byte GCM tag].
 * AAD of a frame: "<sha256>:<plaintext offset>"; the stream ends with an empty frame whose AAD is
 * "<sha256>:<final offset>:end".
 */
export const CHUNK_MEDIA_TYPE = 'application/vnd.prism.encrypted-chunks';
export const FRAME_PLAINTEXT_MAX = 1024 * 1024;
const HEADER = 4 + 12;
const TAG = 16;
const EMPTY = Buffer.alloc(0);

const aad = (sha256: string, offset: number, end = false) => Buffer.from(`${sha256}:${offset}${end ? ':end' : ''}`, 'utf8');

/** One frame as its parts (header, ciphertext, tag), never joined: a 1 MB frame is not copied again. */
function seal(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32BE(plaintext.length, 0);
  randomBytes(12).copy(header, 4);
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(4));
  cipher.setAAD(additional);
  const body = cipher.update(plaintext);
  cipher.final(); // GCM: no bytes held back
  return [header, body, cipher.getAuthTag()];
}

/**
 * Plaintext not yet framed, kept as chunks and joined only when a frame is taken (joining on every
 * chunk would copy a 1 MB frame many times over; a source read in 1 MB chunks is never joined).
 */
class ChunkQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Takes the first n bytes. */
  take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length -= n;
    return all.subarray(0, n);
  }
}

/** Encrypts a plaintext byte stream that starts at `offset` of the file `sha256`. */
export class FrameEncryptor extends Transform {
  private readonly pending = new ChunkQueue();

  /**
   * `eager`: every write leaves as soon as it is in (frames of at most FRAME_PLAINTEXT_MAX), for a
   * stream produced piece by piece (a batch of pages) that the reader can work on as it arrives;
   * otherwise plaintext is gathered into full frames.
   */
  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
    private readonly eager = false,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    while (this.pending.length >= FRAME_PLAINTEXT_MAX) this.emitFrame(FRAME_PLAINTEXT_MAX);
    if (this.eager && this.pending.length > 0) this.emitFrame(this.pending.length);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.emitFrame(this.pending.length);
    for (const part of seal(this.key, Buffer.alloc(0), aad(this.sha256, this.offset, true))) this.push(part);
    done();
  }

  private emitFrame(size: number): void {
    for (const part of seal(this.key, this.pending.take(size), aad(this.sha256, this.offset))) this.push(part);
    this.offset += size;
  }
}

/**
 * Frame-sized buffers reused across transfers (frames sent by the file route, frames received by
 * a file pull). Node allocates a fresh buffer for every cipher output and file read; held while a
 * frame waits for its tag, the disk or the socket, such buffers outlive the young generation under
 * load, and every 64 MB of them promoted starts a full garbage collection of the node's whole heap
 * (a few per 10 MB measured on each node). Reused buffers are allocated once and stay.
 * At most `keep` buffers wait unused, and none once the pool sat unused for `idleMs`.
 */
export class FrameBuffers {
  static readonly SIZE = HEADER + FRAME_PLAINTEXT_MAX + TAG;
  private free: Buffer[] = [];
  private lastTake = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly keep = 32,
    private readonly idleMs = 10_000,
  ) {}

  take(): Buffer {
    this.lastTake = Date.now();
    return this.free.pop() ?? Buffer.allocUnsafeSlow(FrameBuffers.SIZE);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
    this.timer ??= setTimeout(() => this.dropIfIdle(), this.idleMs).unref();
  }

  private dropIfIdle(): void {
    this.timer = undefined;
    if (Date.now() - this.lastTake >= this.idleMs) this.free = [];
    else if (this.free.length > 0) this.timer = setTimeout(() => this.dropIfIdle(), this.idleMs).unref();
  }
}

/** The frame buffers of this process's file transfers, both ways. */
export const frameBuffers = new FrameBuffers();

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

export class FrameError extends Error {}

/**
 * Who reads the frames a FrameOpener opens. `deciphered` receives the current frame's plaintext
 * as it is deciphered, BEFORE its tag is checked: the reader keeps it and uses it only once
 * `verified` is called for that frame (a frame that fails authentication never reaches `verified`:
 * the opener throws).
 */
export interface FrameReader {
  /** A data frame of `length` plaintext bytes starts at plaintext `offset` (the end frame does not call it). */
  frameStarted(length: number, offset: number): void;
  deciphered(piece: Buffer): void;
  /** The current frame's tag verified: its plaintext may be used. */
  verified(length: number): void;
}

/**
 * The frame parser: fed the stream's chunks as they come, deciphers ciphertext as it arrives
 * (never joined into whole frames) and hands it to its reader; fails on any tampering, reordering,
 * data after the end frame or (`end`) a missing end frame. Serves the stream transform below and
 * the file receiver, which copies plaintext into reused buffers instead of keeping Node's.
 */
export class FrameOpener {
  /** Header or tag bytes gathered so far (they may arrive split across chunks). */
  private small: Buffer = EMPTY;
  private state: 'header' | 'body' | 'tag' = 'header';
  private decipher?: DecipherGCM;
  private frameLength = 0;
  /** Ciphertext bytes of the current frame still to come. */
  private remaining = 0;
  private ended = false;

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
    private readonly reader: FrameReader,
    private readonly garbage: GarbageBudget = streamGarbage,
  ) {}

  /**
   * Throws FrameError on anything not authentic; errors of the reader pass unchanged. `chunk` is
   * used during the call only (it may be a view of a reused read buffer).
   */
  write(chunk: Buffer): void {
    // A socket's chunk: a Buffer dropped once deciphered.
    this.garbage.spent(chunk.length);
    let at = 0;
    while (at < chunk.length) {
      if (this.ended) throw new FrameError('data after the end frame');
      if (this.state === 'body') {
        const piece = chunk.subarray(at, at + this.remaining);
        at += piece.length;
        this.remaining -= piece.length;
        this.reader.deciphered(this.decipher!.update(piece));
        if (this.remaining === 0) this.state = 'tag';
        continue;
      }
      const want = (this.state === 'header' ? HEADER : TAG) - this.small.length;
      const piece = chunk.subarray(at, at + want);
      at += piece.length;
      this.small = this.small.length === 0 ? piece : Buffer.concat([this.small, piece]);
      if (piece.length < want) {
        // Kept past this call: a copy, for the chunk may be a view of a buffer the next read reuses.
        if (this.small === piece) this.small = Buffer.from(piece);
        break;
      }
      if (this.state === 'header') this.startFrame(this.small);
      else this.endFrame(this.small);
      this.small = EMPTY;
    }
  }

  /** The stream ended: throws unless it ended with the end frame. */
  end(): void {
    if (!this.ended || this.state !== 'header' || this.small.length > 0) throw new FrameError('file stream ended early (truncated)');
  }

  private startFrame(header: Buffer): void {
    const length = header.readUInt32BE(0);
    if (length > FRAME_PLAINTEXT_MAX) throw new FrameError('frame larger than allowed');
    this.decipher = createDecipheriv('aes-256-gcm', this.key, header.subarray(4, HEADER));
    this.decipher.setAAD(aad(this.sha256, this.offset, length === 0));
    this.frameLength = this.remaining = length;
    this.state = length === 0 ? 'tag' : 'body';
    if (length > 0) this.reader.frameStarted(length, this.offset);
  }

  private endFrame(tag: Buffer): void {
    this.decipher!.setAuthTag(tag);
    let rest: Buffer;
    try {
      rest = this.decipher!.final(); // throws unless the tag verifies
    } catch (error) {
      throw new FrameError(`file stream failed authentication: ${(error as Error).message}`);
    }
    this.state = 'header';
    if (this.frameLength === 0) {
      this.ended = true;
      return;
    }
    if (rest.length > 0) this.reader.deciphered(rest); // GCM holds nothing back; kept for form
    this.offset += this.frameLength;
    this.reader.verified(this.frameLength);
  }
}

/**
 * Decrypts frames back to plaintext (a stream transform over FrameOpener); a frame's plaintext is
 * passed on only once its tag has verified.
 */
export class FrameDecryptor extends Transform {
  private readonly opener: FrameOpener;
  private plaintext: Buffer[] = [];

  constructor(key: Buffer, sha256: string, offset: number) {
    // Room for a whole verified frame: with the default 16 KB, releasing a 1 MB frame stops the
    // socket until the writer has drained it, so reading and writing take turns instead of overlapping.
    super({ readableHighWaterMark: FRAME_PLAINTEXT_MAX });
    this.opener = new FrameOpener(key, sha256, offset, {
      frameStarted: () => undefined,
      deciphered: (piece) => {
        // Node's cipher output, passed on and dropped downstream (a file receiver copies it into reused buffers instead).
        streamGarbage.spent(piece.length);
        this.plaintext.push(piece);
      },
      verified: () => {
        for (const part of this.plaintext) if (part.length > 0) this.push(part);
        this.plaintext = [];
      },
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.opener.write(chunk);
      done();
    } catch (error) {
      done(error instanceof FrameError ? error : new FrameError(`file stream failed authentication: ${(error as Error).message}`));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.opener.end();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}
