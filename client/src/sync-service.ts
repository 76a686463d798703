import { readEventStream } from './event-stream.js';
import { PrismApiError, PrismHttp } from './http.js';
import type { ConflictRestoreResult, ConnectionSyncStatus, PushRequestResult, JobKind, Page, StartedJob, SyncConflict, SyncLogEntry, SyncLogKind, SyncLogStatus, SyncPreview, SyncProgress, SyncResult, SyncSummary, VerifyReport } from './types.js';

export interface FollowOptions {
  /** Called with every progress update (the first one is the job's state when following began). */
  onProgress?: (progress: SyncProgress) => void;
  /** Stops following (and, for pull(), cancels the job on the node). */
  signal?: AbortSignal;
}

/** pull() options: progress, cancel, and a full resync (after ERR_BEHIND_HORIZON). */
export interface PullOptions extends FollowOptions {
  /** Ignore the cursor and delete local rows of the peer's origin it no longer has. */
  fullResync?: boolean;
}

/** The outcome of pull(): the job's final progress and, once finished, its history entry with the summary. */
export interface PullOutcome {
  jobId: string;
  progress: SyncProgress;
  summary: SyncSummary | null;
  log: SyncLogEntry | null;
}

const FINAL_STATES = new Set(['completed', 'failed', 'rolled_back', 'cancelled']);

/** Sync operations of a node as a requester: preview, pull with live progress, cancel, history. */
export class SyncService {
  constructor(private readonly http: PrismHttp) {}

  /** Honest preview: what a pull from the peer would insert, update, delete and download. */
  preview(remoteNodeId: string, signal?: AbortSignal): Promise<SyncPreview> {
    return this.http.json('POST', '/api/sync/preview', { body: { remoteNodeId }, signal });
  }

  /** The reference's synchronous pull (waits for the end, no progress). */
  pullAndWait(remoteNodeId: string, signal?: AbortSignal): Promise<SyncResult> {
    return this.http.json('POST', '/api/sync/pull', { body: { remoteNodeId }, signal });
  }

  start(remoteNodeId: string, kind: JobKind = 'pull', options: { fullResync?: boolean } = {}): Promise<StartedJob> {
    return this.http.json('POST', '/api/sync/jobs', { body: { remoteNodeId, kind, ...(options.fullResync ? { fullResync: true } : {}) } });
  }

  job(jobId: string): Promise<SyncProgress> {
    return this.http.json('GET', `/api/sync/jobs/${encodeURIComponent(jobId)}`);
  }

  cancel(jobId: string): Promise<SyncProgress> {
    return this.http.json('POST', `/api/sync/jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  /**
   * Follows a job's Server-Sent Events until it ends; returns the last progress. When the stream
   * ends early (proxy, restart) the job's state is read once more.
   */
  async follow(jobId: string, options: FollowOptions = {}): Promise<SyncProgress> {
    const response = await this.http.send('GET', `/api/sync/jobs/${encodeURIComponent(jobId)}/events`, { signal: options.signal, accept: 'text/event-stream' });
    let last: SyncProgress | undefined;
    if (response.body) {
      for await (const event of readEventStream(response.body)) {
        if (event.event !== 'progress') continue;
        last = JSON.parse(event.data) as SyncProgress;
        options.onProgress?.(last);
      }
    }
    if (!last || !FINAL_STATES.has(last.state)) {
      last = await this.job(jobId);
      options.onProgress?.(last);
    }
    return last;
  }

  /**
   * Starts a pull job, reports its progress live and resolves when it ends (whatever the state: check
   * `progress.state`). Aborting `signal` cancels the job on the node and resolves with the cancelled state.
   */
  async pull(remoteNodeId: string, options: PullOptions = {}): Promise<PullOutcome> {
    const { jobId } = await this.start(remoteNodeId, 'pull', { fullResync: options.fullResync });
    return this.followToEnd(jobId, remoteNodeId, options);
  }

  /** follow() + cancel on abort + the finished job's history entry. */
  async followToEnd(jobId: string, remoteNodeId: string, options: FollowOptions = {}): Promise<PullOutcome> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    if (options.signal?.aborted) stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let progress: SyncProgress;
    try {
      progress = await this.follow(jobId, { onProgress: options.onProgress, signal: stop.signal });
    } catch (error) {
      if (!options.signal?.aborted) throw error;
      progress = await this.cancelQuietly(jobId);
      options.onProgress?.(progress);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const log = await this.entry(remoteNodeId, jobId);
    return { jobId, progress, summary: log?.counts ?? null, log };
  }

  /** Sync history, newest first; optionally one peer's, one status, one kind. */
  history(query: { remoteNodeId?: string; status?: SyncLogStatus; kind?: SyncLogKind; page?: number; pageSize?: number } = {}): Promise<Page<SyncLogEntry>> {
    return this.http.json('GET', '/api/sync/log', { query });
  }

  /** The history entry of one job (jobs are sync log rows). */
  async entry(remoteNodeId: string, jobId: string): Promise<SyncLogEntry | null> {
    const page = await this.history({ remoteNodeId, pageSize: 20 });
    return page.data.find((e) => e.id === jobId) ?? null;
  }

  conflicts(query: { remoteNodeId?: string; table?: string; syncLogId?: string; page?: number; pageSize?: number } = {}): Promise<Page<SyncConflict>> {
    return this.http.json('GET', '/api/sync/conflicts', { query });
  }

  /** Per connection: schedule state, last success, last failure with reason, next run. */
  status(): Promise<ConnectionSyncStatus[]> {
    return this.http.json('GET', '/api/sync/status');
  }

  /** Admin: pull from `remoteNodeId` every `intervalSeconds` (null: off); also resumes a paused schedule. */
  setSchedule(remoteNodeId: string, intervalSeconds: number | null): Promise<ConnectionSyncStatus> {
    return this.http.json('PUT', `/api/sync/schedules/${encodeURIComponent(remoteNodeId)}`, { body: { intervalSeconds } });
  }

  /** Asks a peer to pull from this node now (the peer must accept push requests from this node). */
  push(remoteNodeId: string): Promise<PushRequestResult> {
    return this.http.json('POST', '/api/sync/push', { body: { remoteNodeId } });
  }

  /** Progress of the pull a peer runs for our push request. */
  pushProgress(remoteNodeId: string, remoteJobId: string): Promise<SyncProgress> {
    return this.http.json('GET', `/api/sync/push/${encodeURIComponent(remoteNodeId)}/jobs/${encodeURIComponent(remoteJobId)}`);
  }

  /** Admin: whether `remoteNodeId` may ask this node to pull from it now (push requests). */
  acceptPushRequests(remoteNodeId: string, accept: boolean): Promise<ConnectionSyncStatus> {
    return this.http.json('PUT', `/api/sync/schedules/${encodeURIComponent(remoteNodeId)}`, { body: { acceptPushRequests: accept } });
  }

  /** Admin: writes the losing version of a conflict back as a new local edit (409 when the row changed since). */
  restoreConflict(conflictId: string): Promise<ConflictRestoreResult> {
    return this.http.json('POST', `/api/sync/conflicts/${encodeURIComponent(conflictId)}/restore`);
  }

  verify(): Promise<VerifyReport> {
    return this.http.json('GET', '/api/sync/verify');
  }

  private async cancelQuietly(jobId: string): Promise<SyncProgress> {
    try {
      return await this.cancel(jobId);
    } catch (error) {
      // Already finished between the abort and the cancel: report how it ended.
      if (error instanceof PrismApiError && error.code === 'ERR_JOB_NOT_RUNNING') return this.job(jobId);
      throw error;
    }
  }
}
