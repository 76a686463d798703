import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

function seal(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(plaintext.length);
  return Buffer.concat([length, iv, body, cipher.getAuthTag()]);
}

/**
 * Received bytes not yet framed, kept as chunks and joined only when a prefix is taken (joining on
 * every chunk would copy a 1 MB frame many times over).
 */
class ChunkQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes, without taking them. */
  peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
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

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    while (this.pending.length >= FRAME_PLAINTEXT_MAX) this.emitFrame(FRAME_PLAINTEXT_MAX);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.emitFrame(this.pending.length);
    this.push(seal(this.key, Buffer.alloc(0), aad(this.sha256, this.offset, true)));
    done();
  }

  private emitFrame(size: number): void {
    this.push(seal(this.key, this.pending.take(size), aad(this.sha256, this.offset)));
    this.offset += size;
  }
}

export class FrameError extends Error {}

/** Decrypts frames back to plaintext; fails on any tampering, reordering or a missing end frame. */
export class FrameDecryptor extends Transform {
  private readonly received = new ChunkQueue();
  private ended = false;

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.received.push(chunk);
    try {
      while (this.received.length >= HEADER) {
        const head = this.received.peek(HEADER);
        const length = head.readUInt32BE(0);
        if (length > FRAME_PLAINTEXT_MAX) throw new FrameError('frame larger than allowed');
        const total = HEADER + length + TAG;
        if (this.received.length < total) break;
        if (this.ended) throw new FrameError('data after the end frame');
        const frame = this.received.take(total);
        const decipher = createDecipheriv('aes-256-gcm', this.key, frame.subarray(4, HEADER));
        decipher.setAAD(aad(this.sha256, this.offset, length === 0));
        decipher.setAuthTag(frame.subarray(HEADER + length, total));
        const plaintext = Buffer.concat([decipher.update(frame.subarray(HEADER, HEADER + length)), decipher.final()]);
        if (length === 0) this.ended = true;
        else {
          this.offset += length;
          this.push(plaintext);
        }
      }
      done();
    } catch (error) {
      done(error instanceof FrameError ? error : new FrameError(`file stream failed authentication: ${(error as Error).message}`));
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.ended || this.received.length > 0) done(new FrameError('file stream ended early (truncated)'));
    else done();
  }
}
