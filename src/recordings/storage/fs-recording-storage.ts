import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { PositionalFile } from '../../core/positional-file';
import {
  ByteRange,
  DurableOptions,
  FileNotStoredError,
  HashingMeter,
  PutOptions,
  RecordingStorage,
  SHA256_HEX,
  StoredFile,
  verifyExpected,
} from './recording-storage';

/** Bytes per read of a stored file (one encrypted frame of the stream route). */
const READ_BUFFER_BYTES = 1024 * 1024;

/** fsyncs at once (libuv's thread pool runs four; a few more keep it busy). */
const SYNC_CONCURRENCY = 8;

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
      // Opened before the pipeline: a stream still opening its file when the source fails would
      // create the temporary after the cleanup below has run, leaving it behind.
      const file = await open(tmp, 'w', 0o600);
      await pipeline(source, meter, file.createWriteStream());
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

  /**
   * Links the verified file at its address, so the received file itself becomes the stored one (no
   * second copy); a link never replaces a file already there, which may be durable where this one
   * is not yet. Across filesystems (or where hard links are not supported), copied instead.
   */
  override async adoptFile(path: string, file: StoredFile): Promise<void> {
    const target = this.pathOf(file.sha256);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    try {
      await link(path, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') await this.copyIn(path, target);
      else if (code !== 'EEXIST') throw error;
    }
    await rm(path, { force: true });
  }

  /** Copies a file to `target` through a temporary in the store (the address appears only complete). */
  private async copyIn(path: string, target: string): Promise<void> {
    if (await this.exists(target)) return;
    const tmpDir = join(this.root, '.tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, randomUUID());
    try {
      await copyFile(path, tmp);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** fsyncs one adopted file (its directories wait for makeDurable, which may add entries to them). */
  override async flushFile(sha256: string): Promise<void> {
    await fsyncAll([this.pathOf(sha256)]);
  }

  /**
   * fsyncs the files not yet flushed and then their directories (each once), a few at a time: one
   * flush for a batch instead of one per file as it arrives.
   */
  override async makeDurable(hashes: readonly string[], options: DurableOptions = {}): Promise<void> {
    const unique = [...new Set(hashes)].filter((sha) => SHA256_HEX.test(sha));
    const dirs = new Set<string>([this.root]);
    for (const file of unique.map((sha) => this.pathOf(sha))) {
      dirs.add(dirname(file));
      dirs.add(dirname(dirname(file)));
    }
    await fsyncAll(unique.filter((sha) => !options.flushed?.has(sha)).map((sha) => this.pathOf(sha)));
    await fsyncAll([...dirs]);
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
    // Large reads: a streamed file goes out in 1 MB frames, each then cut from one read without joining.
    return createReadStream(path, { highWaterMark: READ_BUFFER_BYTES, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  override async openPositional(sha256: string): Promise<PositionalFile> {
    const handle = await open(this.pathOf(sha256), 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new FileNotStoredError(sha256) : error;
    });
    return {
      read: async (buffer, offset, length, position) => (await handle.read(buffer, offset, length, position)).bytesRead,
      close: () => handle.close(),
    };
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

/** fsyncs every path, SYNC_CONCURRENCY at a time (a missing one fails: it was to be committed). */
async function fsyncAll(paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += SYNC_CONCURRENCY) {
    await Promise.all(
      paths.slice(i, i + SYNC_CONCURRENCY).map(async (path) => {
        const handle = await open(path, 'r');
        await handle.sync().finally(() => handle.close());
      }),
    );
  }
}
