import { PrismApiError, PrismClient, SyncProgress } from '../client/src/index.js';
import type { BenchNode, PullOutcome } from './nodes';
import { etaAccuracy, EtaAccuracy, ProgressPoint } from './eta-metric';

export { etaAccuracy };
export type { EtaAccuracy, ProgressPoint };

/**
 * A pull as the CLI and the console run it (POST /api/sync/jobs, then the job's Server-Sent
 * Events to the end), with every progress snapshot recorded, so the bench can say how good the
 * progress estimate was.
 */

export interface TracedPull extends PullOutcome {
  trace: ProgressPoint[];
  eta: EtaAccuracy;
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
      loadedTables: p.loaded?.tables,
      loadedRows: p.loaded?.rows,
      loadedSeconds: p.loaded?.seconds,
      table: p.table,
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
