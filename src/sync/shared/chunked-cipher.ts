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

/** Encrypts a plaintext byte stream that starts at `offset` of the file `sha256`. */
export class FrameEncryptor extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= FRAME_PLAINTEXT_MAX) this.emitFrame(FRAME_PLAINTEXT_MAX);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes > 0) this.emitFrame(this.pendingBytes);
    this.push(seal(this.key, Buffer.alloc(0), aad(this.sha256, this.offset, true)));
    done();
  }

  private emitFrame(size: number): void {
    const all = Buffer.concat(this.pending);
    const plaintext = all.subarray(0, size);
    const rest = all.subarray(size);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    this.push(seal(this.key, plaintext, aad(this.sha256, this.offset)));
    this.offset += size;
  }
}

export class FrameError extends Error {}

/** Decrypts frames back to plaintext; fails on any tampering, reordering or a missing end frame. */
export class FrameDecryptor extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(
    private readonly key: Buffer,
    private readonly sha256: string,
    private offset: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      while (this.buffer.length >= HEADER) {
        const length = this.buffer.readUInt32BE(0);
        if (length > FRAME_PLAINTEXT_MAX) throw new FrameError('frame larger than allowed');
        const total = HEADER + length + TAG;
        if (this.buffer.length < total) break;
        if (this.ended) throw new FrameError('data after the end frame');
        const iv = this.buffer.subarray(4, HEADER);
        const body = this.buffer.subarray(HEADER, HEADER + length);
        const tag = this.buffer.subarray(HEADER + length, total);
        const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
        decipher.setAAD(aad(this.sha256, this.offset, length === 0));
        decipher.setAuthTag(tag);
        const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
        this.buffer = this.buffer.subarray(total);
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
    if (!this.ended || this.buffer.length > 0) done(new FrameError('file stream ended early (truncated)'));
    else done();
  }
}
