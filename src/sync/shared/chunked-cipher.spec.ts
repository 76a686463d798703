import { randomBytes, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FrameDecryptor, FrameEncryptor, FRAME_PLAINTEXT_MAX } from './chunked-cipher';

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
});
