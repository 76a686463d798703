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

async function decrypt(key: Buffer, sha: string, frames: Buffer, offset = 0): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([frames]), new FrameDecryptor(key, sha, offset), async (source: AsyncIterable<Buffer>) => {
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
