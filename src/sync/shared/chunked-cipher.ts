import { createCipheriv, createDecipheriv, DecipherGCM, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { GarbageBudget, streamGarbage } from './garbage-budget';
import { aad, EMPTY, FRAME_HEADER as HEADER, FRAME_PLAINTEXT_MAX, FRAME_TAG as TAG } from './frame-format';

/**
 * The streamed file form's streams (format: frame-format.ts): FrameEncryptor, the frame parser
 * FrameOpener and FrameDecryptor over it. The file route sends with frame-writer.ts; the buffers
 * reused by both directions are frame-buffers.ts's.
 */
export { CHUNK_MEDIA_TYPE, FRAME_PLAINTEXT_MAX } from './frame-format';

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
export class ChunkQueue {
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
