import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Observable, concat, of } from 'rxjs';
import { AppError } from '../../core/errors/app-error';
import { withSyncJobContext } from '../../core/log-context';
import { isUuid } from '../../core/uuid';
import { FetchSource } from './fetch-step';
import { PeerDirectory } from './peer-directory';
import { PeerTarget } from './peer.port';
import { PROGRESS_TICK_MS, ProgressTracker, SyncProgress } from './progress';
import { SyncLock, SyncLockHandle } from './sync-lock';
import { SyncLogRow, SyncLogs } from './sync-logs';
import { SagaOutcome, SyncSaga } from './sync-saga';

/** How long a new job waits for a finished job to release the sync lock (its cleanup) before a 409. */
const FINISHING_WAIT_MS = 15_000;
/**
 * How long a stopping node waits for the jobs it cancelled to roll back and record why. Within
 * `docker stop`'s 10 s with the HTTP server's own grace (node.ts); a job still running then is
 * marked failed at the next start, as after a crash.
 */
const STOPPING_JOBS_WAIT_MS = 5_000;
/** The cancel reason a stopping node gives its jobs: their sync log says it. */
export const NODE_STOPPING = 'the node is stopping';

interface RunningJob {
  id: string;
  tracker: ProgressTracker;
  abort: AbortController;
  done: Promise<SagaOutcome>;
}

export interface StartRequest {
  remoteNodeId: string;
  kind: 'pull' | 'preview';
  requestedBy: string | null;
  /** Full resync: ignore the cursor and delete local rows of the peer's origin it no longer has (after ERR_BEHIND_HORIZON). */
  fullResync?: boolean;
  /** An offline bundle (src/sync/bundle): its verified sender, and the source that stages its content instead of a fetch. */
  bundle?: { peer: PeerTarget; source: FetchSource };
}

/**
 * The job registry: starts, tracks and cancels sync jobs, each run by the SyncSaga. One at a time
 * per database (the SyncLock, so replicas agree); a job interrupted by a crash is marked failed at
 * the next start and what it left behind is cleaned up.
 */
@Injectable()
export class SyncJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncJobs.name);
  private readonly jobs = new Map<string, RunningJob>();

  constructor(
    private readonly peers: PeerDirectory,
    private readonly lock: SyncLock,
    private readonly logs: SyncLogs,
    private readonly saga: SyncSaga,
  ) {}

  /** Recovery after a crash: nothing can be running if the lock is free. */
  async onApplicationBootstrap(): Promise<void> {
    const lock = await this.lock.tryAcquire('recovery');
    if (!lock) return;
    try {
      for (const log of await this.logs.running()) {
        await this.logs.fail(log, 'failed', 'ERR_INTERRUPTED', 'the node stopped while this sync was running; nothing of it was applied');
        this.logger.warn(`sync ${log.id} was interrupted by a restart: marked failed`);
      }
      const removed = await this.saga.recover();
      if (removed.length) this.logger.warn(`removed staging of interrupted syncs: ${removed.join(', ')}`);
    } finally {
      await this.lock.release(lock);
    }
  }

  /**
   * A stopping node cancels its running jobs (nothing of them is applied; their log says the node
   * stopped) before the HTTP server closes: their event streams end with them, and the database is
   * still there for the rollback and the log.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const running = [...this.jobs.values()];
    if (running.length === 0) return;
    this.logger.log(`${NODE_STOPPING}: cancelling ${running.length} running sync job(s)`);
    for (const job of running) job.abort.abort(NODE_STOPPING);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOPPING_JOBS_WAIT_MS)));
    await Promise.race([Promise.allSettled(running.map((job) => job.done)), deadline]);
    clearTimeout(timer);
  }

  async start(request: StartRequest): Promise<string> {
    const jobId = randomUUID();
    const { peer, lock, last } = await this.peerUnderLock(request, jobId);
    try {
      // Written by the saga when there is something to record (one write for a pull with nothing to do).
      const logKind = request.bundle && request.kind === 'pull' ? 'bundle_import' : request.kind;
      const log = this.logs.draft(jobId, peer.registryId, logKind, request.requestedBy, request.fullResync ? null : (last?.cursorTo ?? null));
      const tracker = new ProgressTracker(log.id, request.kind, peer.registryId, Date.now, PROGRESS_TICK_MS);
      const abort = new AbortController();
      // A job that ends with a write may release the lock in that write's round trip (SyncLock.releaseAfter).
      let released = false;
      const endWith = async <T>(statement: string): Promise<T[]> => {
        const rows = await this.lock.releaseAfter<T>(lock, statement);
        released = true;
        return rows;
      };
      // Every log line of the job carries its id (src/core/log-context.ts).
      const done = withSyncJobContext(log.id, () =>
        this.saga.run({
          log,
          peer,
          kind: request.kind,
          cursor: request.fullResync ? undefined : (last?.cursorTo ?? undefined),
          lastSyncedAt: request.fullResync ? undefined : (last?.lastSyncedAt ?? undefined),
          fullResync: request.fullResync,
          lastApplyXid: last?.localApplyXid ?? '0',
          progress: tracker,
          signal: abort.signal,
          source: request.bundle?.source,
          endWith,
        }),
      ).finally(async () => {
        tracker.stop();
        this.jobs.delete(log.id);
        // Released before the job counts as done: whoever waited for it may start the next one at once.
        if (!released) await this.lock.release(lock);
      });
      done.catch(() => undefined);
      this.jobs.set(log.id, { id: log.id, tracker, abort, done });
      return log.id;
    } catch (error) {
      await this.lock.release(lock);
      throw error;
    }
  }

  /**
   * A new job's peer (checked: SPEC §6), its sync lock, and the peer's last completed pull read under
   * the lock. The peer's checks and the lock go side by side, the read in the lock's round trip
   * (SyncLock.tryAcquireReading); a peer refused is refused as before, whatever the lock (released).
   */
  private async peerUnderLock(request: StartRequest, jobId: string): Promise<{ peer: PeerTarget; lock: SyncLockHandle; last?: SyncLogRow }> {
    const remoteNodeId = request.bundle?.peer.registryId ?? request.remoteNodeId;
    const peerOf = request.bundle ? Promise.resolve(request.bundle.peer) : this.peers.resolveForPull(remoteNodeId);
    const lockOf = isUuid(remoteNodeId) ? this.lock.tryAcquireReading<SyncLogRow>(jobId, this.logs.lastCompletedPullSql(remoteNodeId)) : Promise.resolve(undefined);
    const [peer, locked] = await Promise.allSettled([peerOf, lockOf]);
    if (peer.status === 'rejected') {
      if (locked.status === 'fulfilled' && locked.value) await this.lock.release(locked.value.lock);
      throw peer.reason;
    }
    if (locked.status === 'rejected') throw locked.reason;
    if (locked.value) return { peer: peer.value, lock: locked.value.lock, last: locked.value.rows[0] };
    const lock = await this.acquireLock(jobId, isUuid(remoteNodeId));
    try {
      return { peer: peer.value, lock, last: await this.logs.lastCompletedPull(peer.value.registryId) };
    } catch (error) {
      await this.lock.release(lock);
      throw error;
    }
  }

  /**
   * The sync lock for a new job (`refused`: tryAcquire already found it held). A holder whose job has
   * already ended is only cleaning up (its staging, its files): that is waited for, briefly, instead
   * of refusing. A holder still running is named in the 409, found by the id its connection
   * announces, or (an older replica) its log row.
   */
  private async acquireLock(jobId: string, refused: boolean): Promise<SyncLockHandle> {
    let lock = refused ? undefined : await this.lock.tryAcquire(jobId);
    if (!lock && (await this.runningJob()) === undefined) lock = await this.lock.acquireWithin(jobId, FINISHING_WAIT_MS);
    if (lock) return lock;
    const running = (await this.runningJob()) ?? (await this.lock.owner()) ?? null;
    throw new AppError(409, 'ERR_SYNC_IN_PROGRESS', `a sync is already running${running ? ` (job ${running})` : ''}`, { details: { jobId: running } });
  }

  /** The job holding the sync lock while it still runs; undefined when the holder's job has ended (or nothing holds it). */
  private async runningJob(): Promise<string | undefined> {
    const owner = await this.lock.owner();
    if (owner) {
      const log = await this.logs.get(owner);
      // No row yet: the job is starting.
      return !log || log.status === 'in_progress' ? owner : undefined;
    }
    const [running] = await this.logs.running();
    return running?.id;
  }

  /** Waits for a job started by this node (the reference's synchronous pull). */
  async wait(jobId: string): Promise<SagaOutcome> {
    const job = this.jobs.get(jobId);
    if (!job) throw new AppError(404, 'ERR_JOB_NOT_FOUND', `no running sync job ${jobId} on this node`);
    return job.done;
  }

  async status(jobId: string): Promise<SyncProgress> {
    const job = this.jobs.get(jobId);
    if (job) return job.tracker.snapshot();
    const log = await this.logs.get(jobId);
    if (!log) throw new AppError(404, 'ERR_JOB_NOT_FOUND', `no sync job ${jobId}`);
    const stored = (log.progress ?? {}) as Partial<SyncProgress>;
    const state = log.status === 'in_progress' ? 'running' : log.status;
    return {
      ...(stored as SyncProgress),
      jobId: log.id,
      kind: log.kind === 'preview' ? 'preview' : 'pull',
      remoteNodeId: log.remoteNodeId,
      state: state as SyncProgress['state'],
      error: log.errorCode ? { code: log.errorCode, message: log.errorMessage ?? '' } : (stored.error ?? null),
    };
  }

  /** Live progress; completes when the job ends. A finished job yields its final state once. */
  async events$(jobId: string): Promise<Observable<SyncProgress>> {
    const job = this.jobs.get(jobId);
    if (job) return concat(of(job.tracker.snapshot()), job.tracker.updates);
    return of(await this.status(jobId));
  }

  async cancel(jobId: string): Promise<SyncProgress> {
    const job = this.jobs.get(jobId);
    if (!job) {
      const status = await this.status(jobId);
      throw new AppError(409, 'ERR_JOB_NOT_RUNNING', `sync job ${jobId} is not running (state ${status.state})`);
    }
    job.abort.abort();
    await job.done.catch(() => undefined);
    return this.status(jobId);
  }
}
