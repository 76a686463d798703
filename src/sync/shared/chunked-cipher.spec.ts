import { randomBytes, createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { PositionalFile } from '../../core/positional-file';
import { FrameDecryptor, FrameEncryptor, FRAME_PLAINTEXT_MAX } from './chunked-cipher';
import { FrameBuffers } from './frame-buffers';
import { writeFileFrames, writeFrames } from './frame-writer';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function encrypt(key: Buffer, sha: string, data: Buffer, offset = 0): Promise<Buffer> {
  return collect(Readable.from([data]).pipe(new FrameEncryptor(key, sha, offset)));
}

/** The frames as they would arrive from a socket: in pieces of `piece` bytes (default: all at once). */
async function decrypt(key: Buffer, sha: string, frames: Buffer, offset = 0, piece = frames.length): Promise<Buffer> {
  const out: Buffer[] = [];
  const pieces = Array.from({ length: Math.ceil(frames.length / piece) }, (_, i) => frames.subarray(i * piece, (i + 1) * piece));
  await pipeline(Readable.from(pieces), new FrameDecryptor(key, sha, offset), async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) out.push(part);
  });
  return Buffer.concat(out);
}

describe('chunked file cipher', () => {
  const key = randomBytes(32);
  const data = randomBytes(FRAME_PLAINTEXT_MAX * 2 + 12345);
  const sha = createHash('sha256').update(data).digest('hex');

  it('round-trips a multi-frame file', async () => {
    expect((await decrypt(key, sha, await encrypt(key, sha, data))).equals(data)).toBe(true);
  });

  it('round-trips whatever pieces the frames arrive in (headers and tags split too)', async () => {
    const frames = await encrypt(key, sha, data);
    for (const piece of [1000, 4099, 65_536, FRAME_PLAINTEXT_MAX + 3]) expect((await decrypt(key, sha, frames, 0, piece)).equals(data)).toBe(true);
    const small = randomBytes(300);
    const smallSha = createHash('sha256').update(small).digest('hex');
    expect((await decrypt(key, smallSha, await encrypt(key, smallSha, small), 0, 1)).equals(small)).toBe(true);
  });

  it('round-trips an empty file (the end frame alone)', async () => {
    const empty = createHash('sha256').digest('hex');
    expect((await decrypt(key, empty, await encrypt(key, empty, Buffer.alloc(0)))).length).toBe(0);
  });

  it('rejects a frame announcing more than the largest plaintext, and data after the end frame', async () => {
    const frames = await encrypt(key, sha, data);
    const oversized = Buffer.from(frames);
    oversized.writeUInt32BE(FRAME_PLAINTEXT_MAX + 1, 0);
    await expect(decrypt(key, sha, oversized)).rejects.toThrow(/larger than allowed/);
    await expect(decrypt(key, sha, Buffer.concat([frames, Buffer.alloc(1)]))).rejects.toThrow(/after the end frame/);
  });

  it('round-trips a range starting mid-file', async () => {
    const offset = 1000;
    const frames = await encrypt(key, sha, data.subarray(offset), offset);
    expect((await decrypt(key, sha, frames, offset)).equals(data.subarray(offset))).toBe(true);
  });

  it('rejects a tampered byte', async () => {
    const frames = await encrypt(key, sha, data);
    frames[100] ^= 1;
    await expect(decrypt(key, sha, frames)).rejects.toThrow(/authentication/);
  });

  it('rejects a truncated stream', async () => {
    const frames = await encrypt(key, sha, data);
    await expect(decrypt(key, sha, frames.subarray(0, frames.length - 40))).rejects.toThrow(/truncated/);
  });

  it('rejects frames replayed at another offset or for another file', async () => {
    const frames = await encrypt(key, sha, data);
    await expect(decrypt(key, sha, frames, 5)).rejects.toThrow(/authentication/);
    await expect(decrypt(key, 'f'.repeat(64), frames)).rejects.toThrow(/authentication/);
  });

  it('rejects the wrong key', async () => {
    await expect(decrypt(randomBytes(32), sha, await encrypt(key, sha, data))).rejects.toThrow(/authentication/);
  });

  /** An answer that keeps what is written, copied when each write completes (a buffer reused too early would show). */
  function answer(): { out: Writable; parts: Buffer[] } {
    const parts: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        setImmediate(() => {
          parts.push(Buffer.from(chunk));
          done();
        });
      },
    });
    return { out, parts };
  }

  describe('writeFrames (the file route: frames in reused buffers, one write each)', () => {
    async function written(plaintext: Buffer, offset = 0, buffers = new FrameBuffers()): Promise<{ frames: Buffer; writes: number }> {
      const { out, parts } = answer();
      await writeFrames(Readable.from([plaintext.subarray(0, 1000), plaintext.subarray(1000)]), out, key, sha, offset, buffers);
      await finished(out);
      return { frames: Buffer.concat(parts), writes: parts.length };
    }

    it('writes frames FrameDecryptor reads, whole, one write per frame, from any offset', async () => {
      const { frames, writes } = await written(data);
      expect(writes).toBe(4); // two full frames, the rest, the end frame
      expect((await decrypt(key, sha, frames, 0, 65_536)).equals(data)).toBe(true);
      const range = await written(data.subarray(777), 777);
      expect((await decrypt(key, sha, range.frames, 777)).equals(data.subarray(777))).toBe(true);
    });

    it('reuses its buffers: a frame is never overwritten before its write completed', async () => {
      const buffers = new FrameBuffers();
      const taken = jest.spyOn(buffers, 'take');
      const given = jest.spyOn(buffers, 'give');
      const { frames } = await written(data, 0, buffers);
      expect((await decrypt(key, sha, frames)).equals(data)).toBe(true);
      const fresh = new Set(taken.mock.results.map((r) => r.value as Buffer));
      expect(taken).toHaveBeenCalledTimes(4);
      expect(fresh.size).toBeLessThanOrEqual(3);
      expect(given.mock.calls.length).toBeGreaterThanOrEqual(3);
    });

    it('stops reading and rejects when the answer closes before its end', async () => {
      const out = new PassThrough({ highWaterMark: 1 }); // nobody reads it: writes never complete
      const source = new PassThrough();
      source.write(data);
      const sending = writeFrames(source, out, key, sha, 0, new FrameBuffers());
      setTimeout(() => out.destroy(), 20);
      await expect(sending).rejects.toThrow();
      expect(source.destroyed).toBe(true);
    });
  });

  describe('writeFileFrames (the file route on a store with local files: each frame read at its position into its buffer)', () => {
    /** `content` as a stored file read at positions, at most `readMax` bytes per read (a short read). */
    function storedFile(content: Buffer, readMax = Infinity) {
      const reads: { buffer: Buffer; offset: number; position: number }[] = [];
      const file: PositionalFile & { closed: boolean } = {
        closed: false,
        read: async (buffer, offset, length, position) => {
          reads.push({ buffer, offset, position });
          return content.copy(buffer, offset, position, position + Math.min(length, readMax));
        },
        close: async () => void (file.closed = true),
      };
      return { file, reads };
    }

    it('writes the frames FrameDecryptor reads of the bytes asked for, one write per frame, and closes the file', async () => {
      for (const [start, end, frameWrites] of [
        [0, data.length, 4], // two full frames, the rest, the end frame
        [777, data.length, 4],
        [777, 5000, 2], // a range with an end: one frame and the end frame
      ]) {
        const { file } = storedFile(data);
        const { out, parts } = answer();
        await writeFileFrames(file, start, end, out, key, sha, new FrameBuffers());
        await finished(out);
        expect(parts.length).toBe(frameWrites);
        expect((await decrypt(key, sha, Buffer.concat(parts), start, 65_536)).equals(data.subarray(start, end))).toBe(true);
        expect(file.closed).toBe(true);
      }
    });

    it('frames as FrameEncryptor does, whatever the reads return (short reads fill the frame)', async () => {
      const { file, reads } = storedFile(data, 100_000);
      const { out, parts } = answer();
      await writeFileFrames(file, 0, data.length, out, key, sha, new FrameBuffers());
      await finished(out);
      const frames = Buffer.concat(parts);
      const encrypted = await encrypt(key, sha, data);
      expect(frames.length).toBe(encrypted.length); // the same frame lengths (the IVs differ)
      expect(reads.length).toBeGreaterThan(20);
      expect((await decrypt(key, sha, frames)).equals(data)).toBe(true);
    });

    it('reads into the reused frame buffers, past the frame header: no buffer per read', async () => {
      const buffers = new FrameBuffers();
      const taken = jest.spyOn(buffers, 'take');
      const { file, reads } = storedFile(data);
      const { out } = answer();
      await writeFileFrames(file, 0, data.length, out, key, sha, buffers);
      const pool = new Set(taken.mock.results.map((r) => r.value as Buffer));
      expect(pool.size).toBeLessThanOrEqual(3);
      for (const read of reads) {
        expect(pool.has(read.buffer)).toBe(true);
        expect(read.offset).toBe(16); // after the length and the IV
      }
    });

    it('rejects when the stored file ends before the bytes announced, and closes it', async () => {
      const { file } = storedFile(data.subarray(0, 5000));
      const { out } = answer();
      await expect(writeFileFrames(file, 0, data.length, out, key, sha, new FrameBuffers())).rejects.toThrow(/ended at byte 5000/);
      expect(file.closed).toBe(true);
    });

    it('stops reading, closes the file and rejects when the answer closes before its end', async () => {
      const out = new PassThrough({ highWaterMark: 1 }); // nobody reads it: writes never complete
      const { file, reads } = storedFile(data);
      const sending = writeFileFrames(file, 0, data.length, out, key, sha, new FrameBuffers());
      setTimeout(() => out.destroy(), 20);
      await expect(sending).rejects.toThrow();
      expect(file.closed).toBe(true);
      expect(reads.length).toBe(2); // the two frames in flight, no more
    });
  });
});
