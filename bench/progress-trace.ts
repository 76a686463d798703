import { PrismApiError, PrismClient, SyncProgress } from '../client/src/index.js';
import type { BenchNode, PullOutcome } from './nodes';

/**
 * A pull as the CLI and the console run it (POST /api/sync/jobs, then the job's Server-Sent
 * Events to the end), with every progress snapshot recorded, so the bench can say how good the
 * progress estimate was.
 */

/** One progress snapshot as received, `atMs` after the job was started. */
export interface ProgressPoint {
  atMs: number;
  state: string;
  phase: string;
  percent: number;
  etaSeconds: number | null;
  rowsDone: number;
  rowsTotal: number;
  /** Page bytes (manifest measure) and file bytes settled, of their totals. */
  bytesDone: number;
  bytesTotal: number;
  fileBytesDone: number;
  fileBytesTotal: number;
  appliedDone: number;
}

export interface TracedPull extends PullOutcome {
  trace: ProgressPoint[];
  eta: EtaAccuracy;
}

/**
 * How far the ETA was from the real remaining time, over the snapshots after the first 10 % of the
 * pull's real duration with at least a second left.
 */
export interface EtaAccuracy {
  /** Snapshots considered (running, an ETA given, ≥ 10 % of the real duration elapsed, ≥ 1 s left). */
  points: number;
  /** Worst |ETA − real remaining| ÷ real remaining, beyond the ETA's half-second rounding. */
  worstError?: number;
  /** Where the worst one was. */
  worst?: { percent: number; etaSeconds: number; remainingSeconds: number; phase: string };
  /** Median error over those snapshots, and the share of them within the 20 % target. */
  medianError?: number;
  within20?: number;
}

/** The ETA is given in whole seconds: up to half a second of difference is rounding, not error. */
const ETA_ROUNDING_SECONDS = 0.5;
/** Below a second left, a ratio to the remaining time says nothing about an ETA in whole seconds. */
const ETA_MIN_REMAINING_MS = 1000;

/**
 * "After the first 10 %" is 10 % of the real duration, not of the job's own percent: the percent is
 * the model's estimate, so a model that overestimates the time would keep its worst snapshots out.
 */
export function etaAccuracy(trace: ProgressPoint[], totalMs: number): EtaAccuracy {
  const considered = trace.filter((p) => p.state === 'running' && p.etaSeconds !== null && p.atMs >= 0.1 * totalMs && totalMs - p.atMs >= ETA_MIN_REMAINING_MS);
  const result: EtaAccuracy = { points: considered.length };
  const errors: number[] = [];
  for (const p of considered) {
    const remainingSeconds = (totalMs - p.atMs) / 1000;
    const error = Math.max(0, Math.abs(p.etaSeconds! - remainingSeconds) - ETA_ROUNDING_SECONDS) / remainingSeconds;
    errors.push(error);
    if (result.worstError === undefined || error > result.worstError) {
      result.worstError = error;
      result.worst = { percent: p.percent, etaSeconds: p.etaSeconds!, remainingSeconds: Math.round(remainingSeconds * 100) / 100, phase: p.phase };
    }
  }
  if (errors.length) {
    errors.sort((a, b) => a - b);
    result.medianError = errors[Math.floor(errors.length / 2)];
    result.within20 = errors.filter((e) => e <= 0.2).length / errors.length;
  }
  return result;
}

/**
 * A job start refused with 409 ERR_SYNC_IN_PROGRESS naming no running job is the previous job
 * still releasing its lock (issue 17): such a start is retried (and counted); the timing starts at
 * the accepted attempt.
 */
export function isStaleLockRefusal(status: number, body: unknown): boolean {
  const flat = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; jobId?: unknown };
  return status === 409 && flat.error === 'ERR_SYNC_IN_PROGRESS' && flat.jobId === null;
}

export async function startAccepted<T>(start: () => Promise<T>, onRetry: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof PrismApiError && isStaleLockRefusal(error.status, error.body)) || attempt >= 50) throw error;
      onRetry();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** One pull through the job API, followed to its end over Server-Sent Events. */
export async function tracedPull(requester: BenchNode, remoteNodeId: string, onRetry: () => void): Promise<TracedPull> {
  const client = new PrismClient({ baseUrl: requester.url, token: requester.token });
  let started = 0;
  const { jobId } = await startAccepted(() => {
    started = performance.now();
    return client.sync.start(remoteNodeId, 'pull');
  }, onRetry);
  const trace: ProgressPoint[] = [];
  const record = (p: SyncProgress) =>
    trace.push({
      atMs: performance.now() - started,
      state: p.state,
      phase: p.phase,
      percent: p.percent,
      etaSeconds: p.etaSeconds,
      rowsDone: p.rows.done,
      rowsTotal: p.rows.total,
      bytesDone: p.bytes.done,
      bytesTotal: p.bytes.total,
      fileBytesDone: p.files.bytesDone,
      fileBytesTotal: p.files.bytesTotal,
      appliedDone: p.applied.done,
    });
  const final = await client.sync.follow(jobId, { onProgress: record });
  const ms = performance.now() - started;
  if (final.state !== 'completed') throw new Error(`pull ${jobId} ended ${final.state}: ${JSON.stringify(final.error)}`);
  const entry = await client.sync.entry(remoteNodeId, jobId);
  if (!entry?.counts) throw new Error(`pull ${jobId}: no history entry with a summary`);
  return {
    ms,
    received: entry.counts.totals.received,
    filesDownloaded: entry.counts.files.downloaded,
    bytesDownloaded: entry.counts.files.bytesDownloaded,
    trace,
    eta: etaAccuracy(trace, ms),
  };
}
