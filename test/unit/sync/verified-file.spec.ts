import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { VerifiedFile } from '../../../src/sync/files/verified-file';
import { FrameDecryptor, FrameEncryptor, FrameError } from '../../../src/sync/shared/chunked-cipher';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const chunks = (data: Buffer, size = 4096) => Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));

describe('VerifiedFile: a received file hashed as it is written', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'verified-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the content once and is verified when SHA-256 and size match; counts every byte', async () => {
    const data = randomBytes(300_000);
    const part = join(dir, 'x.part');
    let counted = 0;
    const received = await VerifiedFile.receive(chunks(data), part, { sha256: sha(data), size: data.length }, { onBytes: (n) => (counted += n) });
    expect(received).toBeInstanceOf(VerifiedFile);
    expect(received).toMatchObject({ path: part, sha256: sha(data), size: data.length });
    expect(readFileSync(part).equals(data)).toBe(true);
    expect(statSync(part).mode & 0o777).toBe(0o600);
    expect(counted).toBe(data.length);
  });

  it('goes through transforms: decrypted frames are hashed, not the ciphertext', async () => {
    const key = randomBytes(32);
    const data = randomBytes(2.5 * 1024 * 1024);
    const frames = chunks(data, 64 * 1024).pipe(new FrameEncryptor(key, sha(data), 0));
    const received = await VerifiedFile.receive([frames, new FrameDecryptor(key, sha(data), 0)], join(dir, 'f.part'), { sha256: sha(data), size: data.length });
    expect(received).toBeInstanceOf(VerifiedFile);
  });

  it('tampered bytes are not verified: what arrived is reported instead', async () => {
    const data = randomBytes(10_000);
    const tampered = Buffer.from(data);
    tampered[5000] ^= 1;
    const received = await VerifiedFile.receive(chunks(tampered), join(dir, 't.part'), { sha256: sha(data), size: data.length });
    expect(received).not.toBeInstanceOf(VerifiedFile);
    expect(received).toEqual({ sha256: sha(tampered), size: data.length });
  });

  it('a short file is not verified', async () => {
    const data = randomBytes(10_000);
    const received = await VerifiedFile.receive(chunks(data.subarray(0, 9_999)), join(dir, 's.part'), { sha256: sha(data), size: data.length });
    expect(received).toEqual({ sha256: sha(data.subarray(0, 9_999)), size: 9_999 });
  });

  it('a stream longer than announced is cut as soon as it passes the size, not written to its end', async () => {
    const part = join(dir, 'o.part');
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += 65_536;
        this.push(randomBytes(65_536));
      },
    });
    const received = await VerifiedFile.receive(endless, part, { sha256: sha(Buffer.alloc(0)), size: 100_000 });
    expect(received).not.toBeInstanceOf(VerifiedFile);
    expect((received as { size: number }).size).toBeGreaterThan(100_000);
    // The overrun may come before the write stream opened the part: then nothing was written at all.
    expect(existsSync(part) ? statSync(part).size : 0).toBeLessThanOrEqual(100_000);
    expect(sent).toBeLessThan(2_000_000);
  });

  it('resumes: the bytes already in the part are hashed, the rest appended', async () => {
    const data = randomBytes(50_000);
    const part = join(dir, 'r.part');
    writeFileSync(part, data.subarray(0, 20_000));
    let counted = 0;
    const received = await VerifiedFile.receive(chunks(data.subarray(20_000)), part, { sha256: sha(data), size: data.length }, { from: 20_000, onBytes: (n) => (counted += n) });
    expect(received).toBeInstanceOf(VerifiedFile);
    expect(readFileSync(part).equals(data)).toBe(true);
    expect(counted).toBe(30_000);
  });

  it('a failing source rejects with its error and keeps what was written (for a Range resume)', async () => {
    const part = join(dir, 'b.part');
    // The connection breaks once the first kilobyte is on disk.
    const broken = Readable.from(
      (async function* () {
        yield Buffer.alloc(1000, 1);
        while (!existsSync(part) || statSync(part).size < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('connection reset');
      })(),
    );
    await expect(VerifiedFile.receive(broken, part, { sha256: sha(Buffer.alloc(5000, 1)), size: 5000 })).rejects.toThrow('connection reset');
    expect(statSync(part).size).toBe(1000);
  });
});

describe('VerifiedFile.receiveFrames: a file received as encrypted frames', () => {
  const key = randomBytes(32);
  const MB = 1024 * 1024;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'verified-frames-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The frames of `data` (from `offset` of the file `id`) as one buffer, to cut or alter. */
  async function framesOf(data: Buffer, id: string, offset = 0): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of chunks(data, 64 * 1024).pipe(new FrameEncryptor(key, id, offset))) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  it('writes the plaintext of authentic frames arriving in any pieces, verified, and counts every byte', async () => {
    const data = randomBytes(2.5 * MB);
    const frames = await framesOf(data, sha(data));
    for (const piece of [1000, 65_536, MB + 7]) {
      const part = join(dir, `${piece}.part`);
      let counted = 0;
      const received = await VerifiedFile.receiveFrames(chunks(frames, piece), { key }, part, { sha256: sha(data), size: data.length }, { onBytes: (n) => (counted += n) });
      expect(received).toBeInstanceOf(VerifiedFile);
      expect(readFileSync(part).equals(data)).toBe(true);
      expect(statSync(part).mode & 0o777).toBe(0o600);
      expect(counted).toBe(data.length);
    }
  });

  it('a tampered byte fails the transfer: only the frames before it are written, none of the altered one', async () => {
    const data = randomBytes(2.5 * MB);
    const frames = await framesOf(data, sha(data));
    const tampered = Buffer.from(frames);
    tampered[MB + 100] ^= 1; // in the second frame (the first is 16 + 1 MB + 16 bytes)
    const part = join(dir, 't.part');
    await expect(VerifiedFile.receiveFrames(chunks(tampered, 65_536), { key }, part, { sha256: sha(data), size: data.length })).rejects.toThrow(FrameError);
    expect(readFileSync(part).equals(data.subarray(0, MB))).toBe(true);
  });

  it('a truncated stream fails, mid-frame or without its end frame, keeping only whole verified frames', async () => {
    const data = randomBytes(2.5 * MB);
    const frames = await framesOf(data, sha(data));
    for (const cut of [MB + 5000, frames.length - 32]) {
      const part = join(dir, `${cut}.part`);
      await expect(VerifiedFile.receiveFrames(chunks(frames.subarray(0, cut), 65_536), { key }, part, { sha256: sha(data), size: data.length })).rejects.toThrow(/truncated/);
      const kept = readFileSync(part);
      expect(kept.equals(data.subarray(0, kept.length))).toBe(true);
      expect(kept.length % MB === 0 || kept.length === data.length).toBe(true);
    }
  });

  it('frames of other content under the announced hash are not verified: what arrived is reported', async () => {
    const data = randomBytes(300_000);
    const other = randomBytes(300_000);
    // A dishonest peer frames other content under the announced hash: the frames authenticate, the hash does not.
    const received = await VerifiedFile.receiveFrames(chunks(await framesOf(other, sha(data)), 65_536), { key }, join(dir, 'w.part'), { sha256: sha(data), size: data.length });
    expect(received).not.toBeInstanceOf(VerifiedFile);
    expect(received).toEqual({ sha256: sha(other), size: other.length });
  });

  it('frames for another file or the wrong key fail authentication', async () => {
    const data = randomBytes(100_000);
    const forOther = await framesOf(data, sha(Buffer.from('other')));
    await expect(VerifiedFile.receiveFrames(chunks(forOther), { key }, join(dir, 'o.part'), { sha256: sha(data), size: data.length })).rejects.toThrow(FrameError);
    const frames = await framesOf(data, sha(data));
    await expect(VerifiedFile.receiveFrames(chunks(frames), { key: randomBytes(32) }, join(dir, 'k.part'), { sha256: sha(data), size: data.length })).rejects.toThrow(FrameError);
    expect(statSync(join(dir, 'k.part')).size).toBe(0);
  });

  it('a stream longer than announced stops at the frame that passes the size, which is not written', async () => {
    const data = randomBytes(3 * MB);
    const part = join(dir, 'l.part');
    const received = await VerifiedFile.receiveFrames(chunks(await framesOf(data, sha(data)), 65_536), { key }, part, { sha256: sha(data), size: 2 * MB - 1 });
    expect(received).not.toBeInstanceOf(VerifiedFile);
    expect((received as { size: number }).size).toBeGreaterThan(2 * MB - 1);
    expect(statSync(part).size).toBeLessThanOrEqual(2 * MB - 1);
  });

  it('resumes: the bytes already in the part are hashed, the frames from that offset written after them', async () => {
    const data = randomBytes(2 * MB + 5);
    const part = join(dir, 'r.part');
    writeFileSync(part, data.subarray(0, 1_000_000));
    const received = await VerifiedFile.receiveFrames(chunks(await framesOf(data.subarray(1_000_000), sha(data), 1_000_000), 65_536), { key }, part, { sha256: sha(data), size: data.length }, { from: 1_000_000 });
    expect(received).toBeInstanceOf(VerifiedFile);
    expect(readFileSync(part).equals(data)).toBe(true);
  });

  it('a failing source rejects with its error and keeps the verified frames written', async () => {
    const data = randomBytes(2 * MB);
    const frames = await framesOf(data, sha(data));
    const part = join(dir, 'b.part');
    const broken = Readable.from(
      (async function* () {
        yield frames.subarray(0, MB + 40); // the first frame and a little of the second
        throw new Error('connection reset');
      })(),
    );
    await expect(VerifiedFile.receiveFrames(broken, { key }, part, { sha256: sha(data), size: data.length })).rejects.toThrow('connection reset');
    expect(readFileSync(part).equals(data.subarray(0, MB))).toBe(true);
  });
});
