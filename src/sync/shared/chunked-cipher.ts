import { createCipheriv, createDecipheriv, DecipherGCM, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

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

export class FrameError extends Error {}

/**
 * Decrypts frames back to plaintext; fails on any tampering, reordering or a missing end frame.
 * Ciphertext is deciphered as it arrives (never joined into whole frames); a frame's plaintext is
 * passed on only once its tag has verified.
 */
export class FrameDecryptor extends Transform {
  /** Header or tag bytes gathered so far (they may arrive split across chunks). */
  private small: Buffer = Buffer.alloc(0);
  private state: 'header' | 'body' | 'tag' = 'header';
  private decipher?: DecipherGCM;
  private frameLength = 0;
  /** Ciphertext bytes of the current frame still to come. */
  private remaining = 0;
  private plaintext: Buffer[] = [];
  private ended = false;

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
  ) {
    // Room for a whole verified frame: with the default 16 KB, releasing a 1 MB frame stops the
    // socket until the writer has drained it, so reading and writing take turns instead of overlapping.
    super({ readableHighWaterMark: FRAME_PLAINTEXT_MAX });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length) {
        if (this.ended) throw new FrameError('data after the end frame');
        if (this.state === 'body') {
          const piece = chunk.subarray(at, at + this.remaining);
          at += piece.length;
          this.remaining -= piece.length;
          this.plaintext.push(this.decipher!.update(piece));
          if (this.remaining === 0) this.state = 'tag';
          continue;
        }
        const want = (this.state === 'header' ? HEADER : TAG) - this.small.length;
        const piece = chunk.subarray(at, at + want);
        at += piece.length;
        this.small = this.small.length === 0 ? piece : Buffer.concat([this.small, piece]);
        if (piece.length < want) break;
        if (this.state === 'header') this.startFrame(this.small);
        else this.endFrame(this.small);
        this.small = Buffer.alloc(0);
      }
      done();
    } catch (error) {
      done(error instanceof FrameError ? error : new FrameError(`file stream failed authentication: ${(error as Error).message}`));
    }
  }

  private startFrame(header: Buffer): void {
    const length = header.readUInt32BE(0);
    if (length > FRAME_PLAINTEXT_MAX) throw new FrameError('frame larger than allowed');
    this.decipher = createDecipheriv('aes-256-gcm', this.key, header.subarray(4, HEADER));
    this.decipher.setAAD(aad(this.sha256, this.offset, length === 0));
    this.frameLength = this.remaining = length;
    this.state = length === 0 ? 'tag' : 'body';
  }

  private endFrame(tag: Buffer): void {
    this.decipher!.setAuthTag(tag);
    this.decipher!.final(); // throws unless the tag verifies
    this.state = 'header';
    if (this.frameLength === 0) {
      this.ended = true;
      return;
    }
    this.offset += this.frameLength;
    for (const part of this.plaintext) if (part.length > 0) this.push(part);
    this.plaintext = [];
  }

  override _flush(done: TransformCallback): void {
    if (!this.ended || this.state !== 'header' || this.small.length > 0) done(new FrameError('file stream ended early (truncated)'));
    else done();
  }
}
