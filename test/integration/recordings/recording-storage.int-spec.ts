import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

contract('Azure Blob storage (Azurite)', async () => {
  const azurite: Azurite = await startAzurite();
  return { storage: new AzureBlobRecordingStorage(azurite.connectionString, 'node-test'), cleanup: () => azurite.stop() };
});
