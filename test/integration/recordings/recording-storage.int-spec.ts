import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { AzureBlobRecordingStorage } from '../../../src/recordings/storage/azure-blob-recording-storage';
import { FsRecordingStorage } from '../../../src/recordings/storage/fs-recording-storage';
import {
  ChecksumMismatchError,
  FileNotStoredError,
  FileTooLargeError,
  RecordingStorage,
} from '../../../src/recordings/storage/recording-storage';
import { Azurite, startAzurite } from '../../support/azurite';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const chunks = (data: Buffer, size = 1000) => Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));
async function all(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** The same contract for every RecordingStorage adapter. */
function contract(name: string, setup: () => Promise<{ storage: RecordingStorage; cleanup(): Promise<void> }>) {
  describe(name, () => {
    let storage: RecordingStorage;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ storage, cleanup } = await setup()));
    afterAll(() => cleanup?.());

    it('stores content-addressed, streams back whole and by range, lists and deletes', async () => {
      const data = randomBytes(10_000);
      const stored = await storage.put(chunks(data));
      expect(stored).toEqual({ sha256: sha(data), size: data.length });
      expect(await storage.has(stored.sha256)).toBe(true);
      expect(await storage.stat(stored.sha256)).toEqual(stored);
      const whole = Buffer.concat(await (await storage.openRead(stored.sha256)).toArray());
      expect(sha(whole)).toBe(stored.sha256);
      const part = Buffer.concat(await (await storage.openRead(stored.sha256, { start: 100, end: 199 })).toArray());
      expect(part).toEqual(data.subarray(100, 200));
      expect(await all(storage.list())).toContain(stored.sha256);
      expect(storage.locator(stored.sha256)).toContain(stored.sha256);
      // Same content again: a no-op with the same address.
      expect(await storage.put(chunks(data, 333))).toEqual(stored);
      await storage.delete(stored.sha256);
      expect(await storage.has(stored.sha256)).toBe(false);
      expect(await storage.stat(stored.sha256)).toBeUndefined();
      await expect(storage.openRead(stored.sha256)).rejects.toBeInstanceOf(FileNotStoredError);
      await storage.delete(stored.sha256);
    });

    it('rejects content over the limit or not matching the expectation, storing nothing', async () => {
      const before = await all(storage.list());
      const data = randomBytes(5000);
      await expect(storage.put(chunks(data), { maxBytes: 4999 })).rejects.toBeInstanceOf(FileTooLargeError);
      await expect(storage.put(chunks(data), { expectedSha256: sha(Buffer.from('other')) })).rejects.toBeInstanceOf(ChecksumMismatchError);
      await expect(storage.put(chunks(data), { expectedSize: 4 })).rejects.toBeInstanceOf(ChecksumMismatchError);
      expect(await all(storage.list())).toEqual(before);
      expect(await storage.put(chunks(data), { maxBytes: 5000, expectedSha256: sha(data), expectedSize: 5000 })).toEqual({ sha256: sha(data), size: 5000 });
    });

    it('fails a put whose source fails, storing nothing', async () => {
      const before = await all(storage.list());
      const broken = new Readable({ read() {} });
      broken.push(Buffer.from('partial'));
      setImmediate(() => broken.destroy(new Error('connection reset')));
      await expect(storage.put(broken)).rejects.toThrow('connection reset');
      expect(await all(storage.list())).toEqual(before);
    });

    it('adopts a verified local file: stored under its hash, the local file gone, durable on request', async () => {
      const staging = mkdtempSync(join(tmpdir(), 'prism-staging-'));
      try {
        const data = randomBytes(20_000);
        const part = join(staging, 'a.part');
        writeFileSync(part, data);
        await storage.adoptFile(part, { sha256: sha(data), size: data.length });
        expect(existsSync(part)).toBe(false);
        expect(await storage.stat(sha(data))).toEqual({ sha256: sha(data), size: data.length });
        await storage.makeDurable([sha(data)]);
        expect(sha(Buffer.concat(await (await storage.openRead(sha(data))).toArray()))).toBe(sha(data));
        // Content already stored: the local file just goes.
        writeFileSync(part, data);
        await storage.adoptFile(part, { sha256: sha(data), size: data.length });
        expect(existsSync(part)).toBe(false);
        await storage.delete(sha(data));
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    });

    it('reads a stored file at positions into a buffer of the caller, where the store has local files', async () => {
      const data = randomBytes(10_000);
      const stored = await storage.put(chunks(data));
      const file = await storage.openPositional(stored.sha256);
      if (storage instanceof FsRecordingStorage) expect(file).toBeDefined();
      else expect(file).toBeUndefined(); // no local file: the stream route streams it (openRead)
      if (file) {
        const buffer = Buffer.alloc(200, 0xaa);
        expect(await file.read(buffer, 16, 100, 5000)).toBe(100);
        expect(buffer.subarray(16, 116)).toEqual(data.subarray(5000, 5100));
        expect(buffer.subarray(0, 16)).toEqual(Buffer.alloc(16, 0xaa)); // nothing written before the offset
        expect(await file.read(buffer, 0, 200, 9950)).toBe(50); // a short read at the end
        expect(await file.read(buffer, 0, 200, 10_000)).toBe(0);
        await file.close();
      }
      await storage.delete(stored.sha256);
      if (file) await expect(storage.openPositional(stored.sha256)).rejects.toBeInstanceOf(FileNotStoredError);
    });

    it('reads an empty file', async () => {
      const stored = await storage.put(Readable.from([]));
      expect(stored.size).toBe(0);
      expect(await text(await storage.openRead(stored.sha256))).toBe('');
    });
  });
}

contract('filesystem storage', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prism-files-'));
  return {
    storage: new FsRecordingStorage(root),
    cleanup: async () => {
      expect(readdirSync(join(root, '.tmp'))).toEqual([]); // no temporaries left behind
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describe('filesystem storage: adopting a received file', () => {
  let root: string;
  let staging: string;
  let storage: FsRecordingStorage;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'prism-files-'));
    staging = mkdtempSync(join(tmpdir(), 'prism-staging-'));
    storage = new FsRecordingStorage(root);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  });

  const received = (data: Buffer) => {
    const part = join(staging, `${sha(data)}.part`);
    writeFileSync(part, data, { mode: 0o600 });
    return part;
  };
  const pathOf = (hash: string) => join(root, hash.slice(0, 2), hash.slice(2, 4), hash);

  it('no second copy: the received file itself (its inode) becomes the stored file, still 0600', async () => {
    const data = randomBytes(50_000);
    const part = received(data);
    const inode = statSync(part).ino;
    await storage.adoptFile(part, { sha256: sha(data), size: data.length });
    expect(statSync(pathOf(sha(data))).ino).toBe(inode);
    expect(statSync(pathOf(sha(data))).mode & 0o777).toBe(0o600);
    expect(existsSync(part)).toBe(false);
  });

  it('never replaces a file already stored (it may be durable where the new one is not yet)', async () => {
    const data = randomBytes(5_000);
    await storage.put(chunks(data));
    const stored = statSync(pathOf(sha(data))).ino;
    await storage.adoptFile(received(data), { sha256: sha(data), size: data.length });
    expect(statSync(pathOf(sha(data))).ino).toBe(stored);
  });

  it('across filesystems (EXDEV) the file is copied in through a temporary, and the received file goes', async () => {
    const link = jest.spyOn(fsp, 'link').mockRejectedValue(Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' }));
    const data = randomBytes(30_000);
    const part = received(data);
    const inode = statSync(part).ino;
    await storage.adoptFile(part, { sha256: sha(data), size: data.length });
    expect(link).toHaveBeenCalled();
    expect(statSync(pathOf(sha(data))).ino).not.toBe(inode);
    expect(readFileSync(pathOf(sha(data))).equals(data)).toBe(true);
    expect(existsSync(part)).toBe(false);
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('another failure to link fails the adoption and stores nothing', async () => {
    jest.spyOn(fsp, 'link').mockRejectedValue(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    const data = randomBytes(1_000);
    await expect(storage.adoptFile(received(data), { sha256: sha(data), size: data.length })).rejects.toThrow('no space left');
    expect(await storage.has(sha(data))).toBe(false);
  });

  it('makeDurable fsyncs each file of the batch and each directory once', async () => {
    const contents = [randomBytes(100), randomBytes(200), randomBytes(300)];
    for (const data of contents) await storage.adoptFile(received(data), { sha256: sha(data), size: data.length });
    const open = jest.spyOn(fsp, 'open');
    await storage.makeDurable([...contents.map(sha), sha(contents[0])]);
    const opened = open.mock.calls.map(([path]) => String(path));
    const files = contents.map((data) => pathOf(sha(data)));
    const dirs = new Set([root, ...files.flatMap((f) => [join(f, '..'), join(f, '..', '..')])]);
    expect(opened.sort()).toEqual([...files, ...dirs].sort());
    open.mockRestore();
    // A file of the batch that is gone is an error: rows are about to reference it.
    await storage.delete(sha(contents[1]));
    await expect(storage.makeDurable(contents.map(sha))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('flushFile fsyncs one file; makeDurable then skips it but still fsyncs its directories', async () => {
    const contents = [randomBytes(100), randomBytes(200)];
    for (const data of contents) await storage.adoptFile(received(data), { sha256: sha(data), size: data.length });
    const open = jest.spyOn(fsp, 'open');
    await storage.flushFile(sha(contents[0]));
    const [early, other] = contents.map((data) => pathOf(sha(data)));
    expect(open.mock.calls.map(([path]) => String(path))).toEqual([early]);
    open.mockClear();
    await storage.makeDurable(contents.map(sha), { flushed: new Set([sha(contents[0])]) });
    const dirs = new Set([root, ...[early, other].flatMap((f) => [join(f, '..'), join(f, '..', '..')])]);
    expect(open.mock.calls.map(([path]) => String(path)).sort()).toEqual([other, ...dirs].sort());
    open.mockRestore();
  });
});

contract('Azure Blob storage (Azurite)', async () => {
  const azurite: Azurite = await startAzurite();
  return { storage: new AzureBlobRecordingStorage(azurite.connectionString, 'node-test'), cleanup: () => azurite.stop() };
});
