import { chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** One unit a caller appends: a JSON page for a table (or `_tombstones`), opaque to the staging. */
export interface StagedPage {
  table: string;
  text: string;
}

/** Where a resumable fetch stands after a page: its position in one feed, and what that page referenced. */
export interface PageCheckpoint {
  key: string;
  position: unknown;
  /** Rows (and tombstones) of the page. */
  count: number;
  /** Small facts the caller needs again on resume (e.g. the files the page's rows reference). */
  records?: unknown[];
  /**
   * Recorded in memory only; the ledger file is written by the next page that is not deferred, or
   * by flushLedger (a batch of small feeds' pages: one write for the batch, not one per page).
   */
  deferred?: boolean;
}

/**
 * The ledger of a resumable staging (ledger.json), rewritten (tmp + rename) after every page: the
 * committed length of every page file, each feed's position, the COPY pages' columns and rows. A
 * page written but not yet in the ledger (the process was killed in between) is cut away at
 * reopen: a resume fetches at most that page again.
 */
export interface StagingLedger<H = unknown> {
  v: 1;
  /** The caller's facts of the pull (peer, window, manifest…). */
  header: H;
  /** When the last page was committed (ms since the epoch). */
  touchedAt: number;
  sizes: Record<string, number>;
  pages: Record<string, number>;
  copy: Record<string, { columns: string[]; rows: number }>;
  positions: Record<string, { position: unknown; pages: number; count: number }>;
}

const LEDGER = 'ledger.json';
const RECORDS = 'records.jsonl';
const tracked = (entry: string) => entry.endsWith('.pages') || entry.endsWith('.copy') || entry === RECORDS;

/**
 * A pull's staging area on local disk: one file per table, plus one file of tombstones. A page is
 * an opaque unit appended to its table's file: a JSON page is one line (a JSON array in PostgreSQL
 * COPY text format), a COPY page its COPY text rows (the columns of a table's first page, the same
 * for every page). Fetch writes it, apply COPYs it into temp tables; nothing of a pull is held in
 * memory.
 */
export class StagingArea {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private readonly lines = new Map<string, number>();
  private readonly copyColumnsOf = new Map<string, string[]>();
  private readonly copyRowsOf = new Map<string, number>();
  /** JSON pages and checkpoints are committed one at a time (feeds are fetched side by side; tombstones share one file). */
  private writing: Promise<void> = Promise.resolve();
  private ledger?: StagingLedger;

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

  /** The staging of a job that stages nothing (an empty window): no directory is made; remove() has nothing to do. */
  static unmade(root: string, jobId: string): StagingArea {
    return new StagingArea(join(root, jobId));
  }

  /** Mode of every file written into staging. */
  static readonly FILE_MODE = 0o600;

  /** Per job: SHA-256 of every file the pull put into the store (one per line), for crash recovery. */
  static readonly STORED_FILES = 'stored-files';

  /** Files this pull put into the store (its STORED_FILES list). */
  storedFiles(): string[] {
    const list = join(this.dir, StagingArea.STORED_FILES);
    return existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
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
    await this.appendPages([{ table, text: jsonArrayText }]);
  }

  /**
   * Appends the parts of one JSON page and, when the staging is resumable, records `checkpoint` in
   * the ledger after they are written: a kill leaves the page either in the ledger or cut away.
   */
  appendPages(parts: StagedPage[], checkpoint?: PageCheckpoint): Promise<void> {
    return this.serially(async () => {
      for (const { table, text } of parts) {
        // COPY text format: backslash is the escape character; JSON text has no raw newlines or tabs.
        await this.append(table === '_tombstones' ? this.tombstoneFile : this.pageFile(table), `${text.replace(/\\/g, '\\\\')}\n`);
        this.lines.set(table, (this.lines.get(table) ?? 0) + 1);
        if (this.ledger) this.ledger.pages[table] = this.lines.get(table)!;
      }
      if (checkpoint) await this.record(checkpoint);
    });
  }

  /**
   * Records a COPY page's position in the ledger (resumable staging), once its rows are in the
   * files of `tables` — files only the caller's feed writes, so their lengths now are the page's end.
   */
  checkpoint(checkpoint: PageCheckpoint, tables: string[]): Promise<void> {
    return this.serially(async () => {
      if (!this.ledger) return;
      for (const table of tables) {
        const file = this.copyFile(table);
        this.ledger.sizes[basename(file)] = existsSync(file) ? statSync(file).size : 0;
        this.ledger.pages[table] = this.lines.get(table) ?? 0;
        const columns = this.copyColumnsOf.get(table);
        if (columns) this.ledger.copy[table] = { columns, rows: this.copyRowsOf.get(table) ?? 0 };
      }
      await this.record(checkpoint);
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const done = this.writing.then(work);
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async record(checkpoint: PageCheckpoint): Promise<void> {
    if (!this.ledger) return;
    if (checkpoint.records?.length) await this.append(join(this.dir, RECORDS), checkpoint.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const at = (this.ledger.positions[checkpoint.key] ??= { position: null, pages: 0, count: 0 });
    at.position = checkpoint.position;
    at.pages++;
    at.count += checkpoint.count;
    if (!checkpoint.deferred) this.writeLedger();
  }

  /**
   * Writes the ledger as it stands after the pages committed so far (those recorded `deferred`
   * too). Until then a kill loses at most those pages: reopen cuts them away and a resume fetches
   * them again.
   */
  flushLedger(): Promise<void> {
    return this.serially(async () => {
      if (this.ledger) this.writeLedger();
    });
  }

  private async append(file: string, text: string): Promise<void> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'a', StagingArea.FILE_MODE);
      this.handles.set(file, handle);
    }
    const data = Buffer.from(text, 'utf8');
    await (await handle).appendFile(data);
    if (this.ledger) this.ledger.sizes[basename(file)] = (this.ledger.sizes[basename(file)] ?? 0) + data.length;
  }

  /** Makes the staging resumable from here on: a ledger with `header`, updated after every page. */
  startLedger<H>(header: H): void {
    const sizes: Record<string, number> = {};
    for (const entry of readdirSync(this.dir)) if (tracked(entry)) sizes[entry] = statSync(join(this.dir, entry)).size;
    const copy = Object.fromEntries([...this.copyColumnsOf].map(([table, columns]) => [table, { columns, rows: this.copyRowsOf.get(table) ?? 0 }]));
    this.ledger = { v: 1, header, touchedAt: Date.now(), sizes, pages: Object.fromEntries(this.lines), copy, positions: {} };
    this.writeLedger();
  }

  private writeLedger(): void {
    const ledger = this.ledger!;
    ledger.touchedAt = Date.now();
    const tmp = join(this.dir, `${LEDGER}.tmp`);
    writeFileSync(tmp, JSON.stringify(ledger), { mode: StagingArea.FILE_MODE });
    renameSync(tmp, join(this.dir, LEDGER));
  }

  /** The ledger of a resumable staging (a copy), undefined otherwise. */
  get resumeLedger(): StagingLedger | undefined {
    return this.ledger && (JSON.parse(JSON.stringify(this.ledger)) as StagingLedger);
  }

  /** The records committed pages carried (PageCheckpoint.records), in order. */
  records(): unknown[] {
    const file = join(this.dir, RECORDS);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown) : [];
  }

  /** The ledger of the staging in `dir` as written last, undefined when there is none or it cannot be read. */
  static readLedger(dir: string): StagingLedger | undefined {
    try {
      const ledger = JSON.parse(readFileSync(join(dir, LEDGER), 'utf8')) as StagingLedger;
      return ledger?.v === 1 && ledger.sizes && ledger.pages && ledger.copy && ledger.positions ? ledger : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Reopens a resumable staging: every page file is cut back to its length in the ledger (a page
   * written after the last ledger update goes) and files the ledger does not know are removed.
   * Undefined when the staging cannot be resumed (no ledger, or a file shorter than the ledger says).
   */
  static reopen(dir: string): StagingArea | undefined {
    const ledger = StagingArea.readLedger(dir);
    if (!ledger) return undefined;
    for (const entry of readdirSync(dir)) {
      if (!tracked(entry)) continue;
      const committed = ledger.sizes[entry] ?? 0;
      const path = join(dir, entry);
      if (statSync(path).size < committed) return undefined;
      if (committed === 0) rmSync(path, { force: true });
      else truncateSync(path, committed);
    }
    for (const [entry, size] of Object.entries(ledger.sizes)) if (size > 0 && !existsSync(join(dir, entry))) return undefined;
    const staging = new StagingArea(dir);
    staging.adopt(ledger);
    return staging;
  }

  private adopt(ledger: StagingLedger | undefined, from?: StagingArea): void {
    this.ledger = ledger;
    const pages = from ? Object.fromEntries(from.lines) : (ledger?.pages ?? {});
    for (const [table, n] of Object.entries(pages)) this.lines.set(table, n);
    const copy = from ? Object.fromEntries([...from.copyColumnsOf].map(([t, columns]) => [t, { columns, rows: from.copyRowsOf.get(t) ?? 0 }])) : (ledger?.copy ?? {});
    for (const [table, { columns, rows }] of Object.entries(copy)) {
      this.copyColumnsOf.set(table, columns);
      this.copyRowsOf.set(table, rows);
    }
  }

  /** Moves the staging (closed) to `dir`, e.g. to keep it for a later pull, or to take a kept one for a job. */
  async moveTo(dir: string): Promise<StagingArea> {
    await this.seal();
    rmSync(dir, { recursive: true, force: true });
    renameSync(this.dir, dir);
    const moved = new StagingArea(dir);
    moved.adopt(this.ledger, this);
    return moved;
  }

  /**
   * Appends one page of COPY text rows of `table` (`columns`: their wire names, in order): `write`
   * puts them into the table's file from byte `at` on (positional writes: the file is not opened
   * for appending, so writes in flight side by side land where they belong). A page that fails
   * midway leaves nothing behind (the file is cut back to where the page began, once `write` has
   * settled and the file is closed), so the page can be fetched again. `write` may close the file
   * itself (a write stream on it does).
   */
  async appendCopyPage(table: string, columns: string[], rows: number, write: (file: FileHandle, at: number) => Promise<void>): Promise<void> {
    const known = this.copyColumnsOf.get(table);
    if (known && known.join(',') !== columns.join(',')) throw new Error(`staging: pages of ${table} with other columns`);
    const path = this.copyFile(table);
    const start = existsSync(path) ? statSync(path).size : 0;
    // Opened before the page streams (as the fs recording store does): a stream still opening its
    // file when the page fails would create it after the cut-back, or during a staging's removal.
    const file = await open(path, constants.O_WRONLY | constants.O_CREAT, StagingArea.FILE_MODE);
    try {
      await write(file, start);
    } catch (error) {
      // Closed first: the close waits for a stream on the handle to finish its write in flight.
      await file.close();
      truncateSync(path, start);
      throw error;
    }
    await file.close();
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

  /** Waits for the pages being written and closes every page file (before apply). */
  async seal(): Promise<void> {
    await this.writing;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h).close()));
  }

  async remove(): Promise<void> {
    await this.seal().catch(() => undefined);
    // A staging never made (a pull with nothing to do) has nothing to remove: rmSync would build and
    // catch an ENOENT error with its stack on the no-op's critical path.
    if (!existsSync(this.dir)) return;
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}
