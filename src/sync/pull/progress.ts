import { Subject } from 'rxjs';

import type { JobState, SyncPhase, SyncProgress } from '../../../client/src/types';

/** Live progress of a job (GET /api/sync/jobs/{id} and its SSE stream): the wire contract in client/. */
export type { JobState, SyncPhase, SyncProgress };

/**
 * Keeps a job's progress honest: totals come from the manifest, done counts only grow, the
 * percentage is weighted (fetch 50 %, files by bytes 30 %, apply 20 %) and capped at 99 until the
 * commit.
 */
export class ProgressTracker {
  readonly updates = new Subject<SyncProgress>();
  private readonly value: SyncProgress;
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(jobId: string, kind: 'pull' | 'preview', remoteNodeId: string) {
    const now = new Date().toISOString();
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
      files: { done: 0, total: 0, bytesDone: 0, bytesTotal: 0 },
      applied: { done: 0, total: 0 },
      percent: 0,
      rowsPerSecond: 0,
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
    this.value.phase = phase;
    if (where.aggregate !== undefined) this.value.aggregate = where.aggregate;
    if (where.table !== undefined) this.value.table = where.table;
    this.emit(true);
  }

  totals(rows: number, bytes: number, files: number, fileBytes: number): void {
    this.value.rows.total = rows;
    this.value.bytes.total = bytes;
    this.value.applied.total = rows;
    this.value.files.total = files;
    this.value.files.bytesTotal = fileBytes;
    this.emit(true);
  }

  fetched(rows: number, bytes: number): void {
    this.value.rows.done = Math.min(this.value.rows.total, this.value.rows.done + rows);
    this.value.bytes.done = Math.min(this.value.bytes.total, this.value.bytes.done + bytes);
    this.emit(false);
  }

  fileProgress(bytes: number, completedFile: boolean): void {
    this.value.files.bytesDone = Math.min(this.value.files.bytesTotal, this.value.files.bytesDone + bytes);
    if (completedFile) this.value.files.done = Math.min(this.value.files.total, this.value.files.done + 1);
    this.emit(completedFile);
  }

  appliedRows(rows: number, table: string): void {
    this.value.applied.done = Math.min(this.value.applied.total, this.value.applied.done + rows);
    this.value.table = table;
    this.emit(true);
  }

  finish(state: JobState, error?: { code: string; message: string }): void {
    this.value.state = state;
    this.value.phase = 'done';
    this.value.error = error ?? null;
    if (state === 'completed') this.value.percent = 100;
    this.emit(true);
    this.updates.complete();
  }

  private emit(force: boolean): void {
    const v = this.value;
    const part = (done: number, total: number) => (total > 0 ? Math.min(1, done / total) : 1);
    if (v.state === 'running') {
      const fetchedShare = v.phase === 'queued' || v.phase === 'connecting' || v.phase === 'manifest' ? 0 : part(v.rows.done, v.rows.total);
      const weighted = 50 * fetchedShare + 30 * part(v.files.bytesDone, v.files.bytesTotal) * (v.phase === 'applying' || v.phase === 'files' ? 1 : 0) + 20 * (v.phase === 'applying' ? part(v.applied.done, v.applied.total) : 0);
      v.percent = Math.min(99, Math.max(v.percent, Math.floor(weighted)));
      const seconds = (Date.now() - this.started) / 1000;
      const work = v.rows.done + v.applied.done;
      v.rowsPerSecond = seconds > 0 ? Math.round(work / seconds) : 0;
      const remaining = 2 * v.rows.total - work;
      v.etaSeconds = v.rowsPerSecond > 0 ? Math.max(0, Math.round(remaining / v.rowsPerSecond)) : null;
    }
    v.updatedAt = new Date().toISOString();
    const now = Date.now();
    if (force || now - this.lastEmit > 200) {
      this.lastEmit = now;
      this.updates.next(this.snapshot());
    }
  }
}
