import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  ByteRange,
  FileNotStoredError,
  HashingMeter,
  PutOptions,
  RecordingStorage,
  SHA256_HEX,
  StoredFile,
  verifyExpected,
} from './recording-storage';

/** Recording files on the local filesystem: `<root>/<aa>/<bb>/<sha256>`, temporaries in `<root>/.tmp`. */
export class FsRecordingStorage extends RecordingStorage {
  constructor(private readonly root: string) {
    super();
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new FileNotStoredError(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: Readable, options: PutOptions = {}): Promise<StoredFile> {
    // The source may fail before the pipeline is attached; pipeline() still reports the stored error.
    source.on('error', () => undefined);
    const tmpDir = join(this.root, '.tmp');
    // Clinical recordings: directories 0700, files 0600 (not readable by other OS users).
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, randomUUID());
    try {
      const meter = new HashingMeter(options.maxBytes);
      await pipeline(source, meter, createWriteStream(tmp, { mode: 0o600 }));
      const stored = meter.result();
      verifyExpected(stored, options);
      const target = this.pathOf(stored.sha256);
      if (await this.exists(target)) return stored;
      const handle = await open(tmp, 'r+');
      await handle.sync().finally(() => handle.close());
      await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
      await rename(tmp, target);
      return stored;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async has(sha256: string): Promise<boolean> {
    return SHA256_HEX.test(sha256) && this.exists(this.pathOf(sha256));
  }

  async stat(sha256: string): Promise<StoredFile | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const info = await stat(this.pathOf(sha256)).catch(() => undefined);
    return info ? { sha256, size: info.size } : undefined;
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(sha256);
    if (!(await this.exists(path))) throw new FileNotStoredError(sha256);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async delete(sha256: string): Promise<void> {
    if (SHA256_HEX.test(sha256)) await rm(this.pathOf(sha256), { force: true });
  }

  locator(sha256: string): string {
    return pathToFileURL(this.pathOf(sha256)).href;
  }

  async *list(): AsyncIterable<string> {
    const level = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort();
    for (const a of await level(this.root)) {
      for (const b of await level(join(this.root, a))) {
        for (const name of (await readdir(join(this.root, a, b))).sort()) if (SHA256_HEX.test(name)) yield name;
      }
    }
  }

  private async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }
}
