import { chmodSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A pull's staging area on local disk: one file per table, plus one file of tombstones. A page is
 * an opaque unit appended to its table's file: a JSON page is one line (a JSON array in PostgreSQL
 * COPY text format), a COPY page its COPY text rows (the columns of a table's first page, the same
 * for every page). Fetch writes it, apply COPYs it into temp tables; nothing of a pull is held in
 * memory.
 */
export class StagingArea {
  private readonly streams = new Map<string, WriteStream>();
  private readonly lines = new Map<string, number>();
  private readonly copyColumnsOf = new Map<string, string[]>();
  private readonly copyRowsOf = new Map<string, number>();

  constructor(readonly dir: string) {}

  /**
   * Staging holds another node's clinical rows and files in clear: directories 0700 and files 0600
   * (STAGING_FILE_MODE), whatever the umask, so other OS users of the machine cannot read them.
   */
  static create(root: string, jobId: string): StagingArea {
    const dir = join(root, jobId);
    mkdirSync(join(dir, 'files'), { recursive: true, mode: 0o700 });
    for (const path of [root, dir, join(dir, 'files')]) chmodSync(path, 0o700);
    return new StagingArea(dir);
  }

  /** Mode of every file written into staging. */
  static readonly FILE_MODE = 0o600;

  /** Per job: SHA-256 of every file the pull put into the store (one per line), for crash recovery. */
  static readonly STORED_FILES = 'stored-files';

  /** Files that pulls with staging under `root` stored (read before a sweep). */
  static storedFiles(root: string): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root).flatMap((entry) => new StagingArea(join(root, entry)).storedFiles());
  }

  /** Files this pull put into the store (its STORED_FILES list). */
  storedFiles(): string[] {
    const list = join(this.dir, StagingArea.STORED_FILES);
    return existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Removes staging directories of jobs that are not running (after a crash or restart). */
  static sweep(root: string, keep: Set<string> = new Set()): string[] {
    if (!existsSync(root)) return [];
    const removed: string[] = [];
    for (const entry of readdirSync(root)) {
      if (keep.has(entry)) continue;
      rmSync(join(root, entry), { recursive: true, force: true });
      removed.push(entry);
    }
    return removed;
  }

  get filesDir(): string {
    return join(this.dir, 'files');
  }

  pageFile(table: string): string {
    return join(this.dir, `${table}.pages`);
  }

  /** The COPY text rows of a table (pages in the `copy` format). */
  copyFile(table: string): string {
    return join(this.dir, `${table}.copy`);
  }

  get tombstoneFile(): string {
    return join(this.dir, '_tombstones.pages');
  }

  /** Appends one page (JSON array text) for a table, or `_tombstones`. */
  async appendPage(table: string, jsonArrayText: string): Promise<void> {
    const file = table === '_tombstones' ? this.tombstoneFile : this.pageFile(table);
    let stream = this.streams.get(file);
    if (!stream) {
      stream = createWriteStream(file, { flags: 'a', mode: StagingArea.FILE_MODE });
      this.streams.set(file, stream);
    }
    // COPY text format: backslash is the escape character; JSON text has no raw newlines or tabs.
    if (!stream.write(`${jsonArrayText.replace(/\\/g, '\\\\')}\n`)) await once(stream, 'drain');
    this.lines.set(table, (this.lines.get(table) ?? 0) + 1);
  }

  /**
   * Appends one page of COPY text rows of `table` (`columns`: their wire names, in order) as it
   * streams from `source` through `transforms`. A page that fails midway leaves nothing behind (the
   * file is cut back to where the page began), so the page can be fetched again.
   */
  async appendCopyPage(table: string, columns: string[], rows: number, source: Readable, ...transforms: Transform[]): Promise<void> {
    const known = this.copyColumnsOf.get(table);
    if (known && known.join(',') !== columns.join(',')) throw new Error(`staging: pages of ${table} with other columns`);
    const file = this.copyFile(table);
    const start = existsSync(file) ? statSync(file).size : 0;
    try {
      await pipeline([source, ...transforms, createWriteStream(file, { flags: 'a', mode: StagingArea.FILE_MODE })]);
    } catch (error) {
      if (existsSync(file)) truncateSync(file, start);
      throw error;
    }
    this.copyColumnsOf.set(table, columns);
    this.copyRowsOf.set(table, (this.copyRowsOf.get(table) ?? 0) + rows);
    this.lines.set(table, (this.lines.get(table) ?? 0) + 1);
  }

  /** The columns of a table's COPY pages (wire names, in order); undefined when it has JSON pages or none. */
  copyColumns(table: string): string[] | undefined {
    return this.copyColumnsOf.get(table);
  }

  /** Rows of a table's COPY pages, as their pages announced them. */
  copyRows(table: string): number {
    return this.copyRowsOf.get(table) ?? 0;
  }

  /** Nothing was fetched: no page of any table, no tombstone. */
  get isEmpty(): boolean {
    return [...this.lines.values()].every((n) => n === 0);
  }

  hasPages(table: string): boolean {
    return (this.lines.get(table) ?? 0) > 0;
  }

  /** Flushes and closes every page file (before apply). */
  async seal(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            s.end((error?: Error | null) => (error ? reject(error) : resolve()));
          }),
      ),
    );
    this.streams.clear();
  }

  async remove(): Promise<void> {
    await this.seal().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
