import { Readable, Transform, Writable } from 'node:stream';
import type { Archiver, EntryData } from 'archiver';

/** Largest archive the writer produces: no Zip64 (the reference's readers expect 32-bit offsets and sizes). */
export const ZIP_MAX_BYTES = 0xffff_fffe;
export const ZIP_MAX_ENTRIES = 0xfffe;

export class ZipLimitError extends Error {}

/**
 * A streaming ZIP writer over the maintained `archiver` package (stored entries: recordings are
 * CSV the client may zip again). Each add resolves once its entry is in the output, so a research
 * export with its recording files never sits in memory and holds one file open at a time. The
 * output closing early (client gone) aborts the archive and rejects the pending add. `archiver`
 * is loaded by the first export, not at boot.
 */
export class ZipWriter {
  private readonly archive: Archiver;
  private entries = 0;
  private bytes = 0;
  private failure: Error | undefined;
  private pending: { name: string; resolve(): void; reject(error: Error): void } | undefined;
  private finished = false;

  /** A writer into `out`. */
  static async open(out: Writable): Promise<ZipWriter> {
    const { default: archiver } = await import('archiver');
    return new ZipWriter(out, archiver('zip', { store: true }));
  }

  private constructor(out: Writable, archive: Archiver) {
    this.archive = archive;
    this.archive.on('entry', (entry: EntryData) => {
      if (this.pending?.name === entry.name) this.settle();
    });
    this.archive.on('error', (error: Error) => this.settle(error));
    this.archive.on('warning', (error: Error) => this.settle(error));
    out.on('close', () => {
      if (this.finished) return;
      this.settle(new Error('the ZIP output was closed (client gone)'));
      this.archive.abort();
    });
    this.archive.pipe(out);
  }

  async addBuffer(name: string, data: Buffer): Promise<void> {
    this.count(data.length);
    await this.append(name, data);
  }

  async addStream(name: string, source: Readable): Promise<void> {
    const guard = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        try {
          this.count(chunk.length);
          done(null, chunk);
        } catch (error) {
          done(error as Error);
        }
      },
    });
    source.on('error', (error) => guard.destroy(error));
    try {
      await this.append(name, source.pipe(guard));
    } catch (error) {
      // Close the file behind the entry (the archive will not read it any more).
      source.destroy();
      throw error;
    }
  }

  /** Writes the central directory and ends the output stream. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    this.finished = true;
    await this.archive.finalize();
  }

  private append(name: string, source: Buffer | Readable): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (++this.entries > ZIP_MAX_ENTRIES) return Promise.reject(new ZipLimitError(`more than ${ZIP_MAX_ENTRIES} files`));
    return new Promise<void>((resolve, reject) => {
      this.pending = { name, resolve, reject };
      this.archive.append(source, { name });
    });
  }

  private settle(error?: Error): void {
    if (error) this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    if (error) pending.reject(error);
    else pending.resolve();
  }

  /** Content bytes so far (headers are small; the research export also checks the total up front). */
  private count(adding: number): void {
    this.bytes += adding;
    if (this.bytes > ZIP_MAX_BYTES) throw new ZipLimitError(`archive larger than ${ZIP_MAX_BYTES} bytes`);
  }
}
