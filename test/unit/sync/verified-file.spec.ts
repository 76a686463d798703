import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { VerifiedFile } from '../../../src/sync/files/verified-file';
import { FrameDecryptor, FrameEncryptor } from '../../../src/sync/shared/chunked-cipher';

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
    expect(statSync(part).size).toBeLessThanOrEqual(100_000);
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
