import { Subject } from 'rxjs';

import type { JobState, ResumeReport, SyncPhase, SyncProgress } from '../../../client/src/types';
import { estimate, extraApplyUnits, PlannedTable, PROGRESS_TICK_MS, stageMeters, TABLE_ROWS } from './progress-model';

export { PROGRESS_TICK_MS };

/** Live progress of a job (GET /api/sync/jobs/{id} and its SSE stream): the wire contract in client/. */
export type { JobState, SyncPhase, SyncProgress };

/** What the manifest announces: each feed's rows (with deletions) and bytes, and the files. */
export interface ProgressTotals {
  feeds: { route: string; rows: number; bytes: number }[];
  files: { count: number; bytes: number };
}

/** The files of the window, once their presence on this node is known. */
export interface PlannedFiles {
  count: number;
  bytes: number;
  present: number;
  bytesPresent: number;
  /** False for a preview: nothing is downloaded. */
  download: boolean;
}

/**
 * Keeps a job's progress honest: totals come from the manifest, done counts only grow and never
 * pass their totals, and percent, rates and ETA come from one model (progress-model.ts) that
 * weighs rows, page bytes and file bytes by their measured rates; percent stays below 100 until
 * the commit. Every consumer (job status, SSE, sync log, CLI, console) reads these snapshots.
 */
export class ProgressTracker {
  readonly updates = new Subject<SyncProgress>();
  private readonly value: SyncProgress;
  private readonly startedAtMs: number;
  private lastEmit = 0;
  private readonly stages = stageMeters();
  private feeds = new Map<string, { rows: number; bytes: number; done: number }>();
  /**
   * The apply meter's work: rows, plus TABLE_ROWS per table with rows and each table's extra units
   * (its natural keys' weight) once the tables are known (applyPlanned).
   */
  private applyUnits = { done: 0, perTable: 0, extra: new Map<string, number>() };
  private ticker: NodeJS.Timeout | undefined;
  private loadedMs = 0;

  constructor(
    jobId: string,
    kind: 'pull' | 'preview',
    remoteNodeId: string,
    private readonly clock: () => number = Date.now,
    /** Republish every this many ms while running (PROGRESS_TICK_MS for a job; none for a tracker on a test clock). */
    tickMs?: number,
  ) {
    this.startedAtMs = clock();
    if (tickMs) {
      this.ticker = setInterval(() => this.tick(), tickMs);
      this.ticker.unref();
    }
    const now = new Date(this.startedAtMs).toISOString();
    this.value = {
      jobId,
      kind,
      remoteNodeId,
      state: 'running',
      phase: 'queued',
      aggregate: null,
      table: null,
      rows: { done: 0, total: 0 },
      bytes: { done: 0, total: 0 },
      files: { done: 0, total: 0, bytesDone: 0, bytesTotal: 0, present: 0, bytesPresent: 0 },
      applied: { done: 0, total: 0 },
      loaded: { tables: 0, rows: 0, seconds: 0 },
      percent: 0,
      rowsPerSecond: 0,
      bytesPerSecond: 0,
      etaSeconds: null,
      startedAt: now,
      updatedAt: now,
      error: null,
    };
  }

  snapshot(): SyncProgress {
    return structuredClone(this.value);
  }

  phase(phase: SyncPhase, where: { aggregate?: string | null; table?: string | null } = {}): void {
    const now = this.clock();
    if (phase === 'fetching') {
      this.stages.fetch.start(now);
      this.stages.rowsFetched.start(now);
    }
    if (phase === 'files' || phase === 'applying') {
      this.stages.fetch.finish(now);
      this.stages.rowsFetched.finish(now);
    }
    if (phase === 'files') this.stages.files.start(now);
    if (phase === 'applying') {
      this.stages.files.finish(now);
      this.stages.apply.start(now);
    }
    this.value.phase = phase;
    if (where.aggregate !== undefined) this.value.aggregate = where.aggregate;
    if (where.table !== undefined) this.value.table = where.table;
    this.emit(true);
  }

  /** The pull continues a kept window: what it took over (null: the kept window was gone). */
  resumed(report: ResumeReport | null): void {
    this.value.resumed = report;
    this.emit(true);
  }

  totals({ feeds, files }: ProgressTotals): void {
    this.feeds = new Map(feeds.map((f) => [f.route, { rows: f.rows, bytes: f.bytes, done: 0 }]));
    const rows = feeds.reduce((n, f) => n + f.rows, 0);
    const bytes = feeds.reduce((n, f) => n + f.bytes, 0);
    this.value.rows.total = rows;
    this.value.bytes.total = bytes;
    this.value.applied.total = rows;
    this.value.files.total = files.count;
    this.value.files.bytesTotal = files.bytes;
    this.stages.rowsFetched.total = rows;
    this.stages.fetch.total = bytes;
    this.stages.apply.total = rows;
    // Until presence is known, every file counts as to download.
    this.stages.files.total = files.bytes;
    this.emit(true);
  }

  /** Rows (or deletions) of a feed arrived; its bytes count in proportion to its rows. */
  fetched(route: string, rows: number): void {
    const now = this.clock();
    const feed = this.feeds.get(route);
    if (feed) feed.done = Math.min(feed.rows, feed.done + rows);
    this.value.rows.done = Math.min(this.value.rows.total, this.value.rows.done + rows);
    const bytes = [...this.feeds.values()].reduce((n, f) => n + (f.rows > 0 ? Math.round((f.bytes * f.done) / f.rows) : 0), 0);
    this.value.bytes.done = Math.min(this.value.bytes.total, bytes);
    this.stages.rowsFetched.record(this.value.rows.done, now);
    this.stages.fetch.record(this.value.bytes.done, now);
    this.emit(false);
  }

  /** The window's files, with those already here: only the others are work (none for a preview). */
  filesPlanned(files: PlannedFiles): void {
    const f = this.value.files;
    f.total = files.count;
    f.bytesTotal = files.bytes;
    f.present = files.present;
    f.bytesPresent = files.bytesPresent;
    f.done = files.present;
    f.bytesDone = files.bytesPresent;
    this.stages.files.total = files.download ? files.bytes - files.bytesPresent : 0;
    this.emit(true);
  }

  /** Bytes of a file downloaded; `completedFile` once it is stored. */
  fileProgress(bytes: number, completedFile: boolean): void {
    const f = this.value.files;
    f.bytesDone = Math.min(f.bytesTotal, f.bytesDone + bytes);
    if (completedFile) f.done = Math.min(f.total, f.done + 1);
    this.stages.files.record(f.bytesDone - (f.bytesPresent ?? 0), this.clock());
    this.emit(completedFile);
  }

  /**
   * The apply is about to run these tables (those with rows): each weighs TABLE_ROWS more, and its
   * rows more by its natural keys (progress-model.ts).
   */
  applyPlanned(tables: PlannedTable[]): void {
    this.applyUnits.perTable = TABLE_ROWS;
    this.applyUnits.extra = new Map(tables.map((t) => [t.table, extraApplyUnits(t)]));
    const extra = [...this.applyUnits.extra.values()].reduce((n, units) => n + units, 0);
    this.stages.apply.total = this.value.applied.total + TABLE_ROWS * tables.length + extra;
  }

  /** A table applied, once, with its rows (and deletions). */
  appliedRows(rows: number, table: string): void {
    this.value.applied.done = Math.min(this.value.applied.total, this.value.applied.done + rows);
    this.value.table = table;
    if (rows > 0) this.applyUnits.done += rows + this.applyUnits.perTable + (this.applyUnits.extra.get(table) ?? 0);
    this.applyUnits.extra.delete(table);
    this.stages.apply.record(this.applyUnits.done, this.clock());
    this.emit(true);
  }

  /** A staged table was loaded into the apply's work table (during the fetch or at the apply's start) in `ms`. */
  loaded(rows: number, ms: number): void {
    const loaded = (this.value.loaded ??= { tables: 0, rows: 0, seconds: 0 });
    loaded.tables += 1;
    loaded.rows += rows;
    // Summed unrounded: a few rows load in under a millisecond each.
    this.loadedMs += ms;
    loaded.seconds = Math.round(this.loadedMs) / 1000;
    this.emit(true);
  }

  /** Every table is in; what remains (dangling children, deferred checks, COMMIT) reports nothing. */
  tablesApplied(): void {
    this.stages.apply.finish(this.clock());
    this.emit(true);
  }

  /** The ETA recomputed at this moment and published (the silent parts count down). */
  tick(): void {
    if (this.value.state === 'running') this.emit(true);
  }

  /** No more ticks (at the end of the job, however it ended). */
  stop(): void {
    clearInterval(this.ticker);
  }

  finish(state: JobState, error?: { code: string; message: string }): void {
    this.stop();
    this.value.state = state;
    this.value.phase = 'done';
    this.value.error = error ?? null;
    if (state === 'completed') {
      this.value.percent = 100;
      this.value.etaSeconds = 0;
    }
    this.emit(true);
    this.updates.complete();
  }

  private emit(force: boolean): void {
    const v = this.value;
    const now = this.clock();
    if (v.state === 'running') {
      const { fetch, files, apply, rowsFetched } = this.stages;
      Object.assign(v, estimate({ fetch, files, apply, rowsFetched, loaded: v.loaded, startedAtMs: this.startedAtMs, nowMs: now, previousPercent: v.percent }));
    }
    v.updatedAt = new Date(now).toISOString();
    if (force || now - this.lastEmit > 200) {
      this.lastEmit = now;
      // A copy only for someone listening (a job's event stream): most jobs, a no-op's above all, have none.
      if (this.updates.observed) this.updates.next(this.snapshot());
    }
  }
}
