import { join } from 'node:path';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Observable, concat, of } from 'rxjs';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { StagingArea } from '../import/staging';
import { ApplyStep } from './apply-step';
import { RecordingStorage } from '../../recordings/storage/recording-storage';
import { PeerConnector } from './peer.port';
import { PeerDirectory } from './peer-directory';
import { ProgressTracker, SyncProgress } from './progress';
import { SagaOutcome, SyncSaga } from './sync-saga';
import { SyncLogs } from './sync-logs';
import { SyncCompletedEvent, SyncFailedEvent } from './sync.events';
import { withSyncJobContext } from '../../observability/log-context';

/** PostgreSQL advisory lock key: one sync job per database at a time ("PRSM"). */
const SYNC_LOCK_KEY = 0x5052534d;

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
}

/**
 * Starts, tracks and cancels sync jobs. One at a time per database (advisory lock, so replicas
 * agree); a job interrupted by a crash is marked failed at the next start and its staging removed.
 */
@Injectable()
export class SyncJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncJobs.name);
  private readonly jobs = new Map<string, RunningJob>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly logs: SyncLogs,
    private readonly peers: PeerDirectory,
    private readonly connector: PeerConnector,
    private readonly catalog: SyncCatalog,
    private readonly apply: ApplyStep,
    private readonly store: RecordingStorage,
    private readonly events: EventBus,
  ) {}

  get stagingRoot(): string {
    return this.config.sync.stagingDir ?? join(this.config.server.dataDir, 'staging');
  }

  /** Recovery after a crash: nothing can be running if the lock is free. */
  async onApplicationBootstrap(): Promise<void> {
    const lock = await this.tryLock();
    if (!lock) return;
    try {
      for (const log of await this.logs.running()) {
        await this.logs.fail(log.id, 'failed', 'ERR_INTERRUPTED', 'the node stopped while this sync was running; nothing of it was applied');
        this.logger.warn(`sync ${log.id} was interrupted by a restart: marked failed`);
      }
      // Files an interrupted pull stored but no committed row references are garbage.
      for (const sha of new Set(StagingArea.storedFiles(this.stagingRoot))) {
        const [{ used }]: { used: boolean }[] = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM record_channel WHERE file_sha256 = $1) AS used`, [sha]);
        if (!used) await this.store.delete(sha).catch(() => undefined);
      }
      const removed = StagingArea.sweep(this.stagingRoot);
      if (removed.length) this.logger.warn(`removed staging of interrupted syncs: ${removed.join(', ')}`);
    } finally {
      await this.unlock(lock);
    }
  }

  async start(request: StartRequest): Promise<string> {
    const peer = await this.peers.resolveForPull(request.remoteNodeId);
    const lock = await this.tryLock();
    if (!lock) {
      const [running] = await this.logs.running();
      throw new AppError(409, 'ERR_SYNC_IN_PROGRESS', `a sync is already running${running ? ` (job ${running.id})` : ''}`, {
        details: { jobId: running?.id ?? null },
      });
    }
    try {
      const last = await this.logs.lastCompletedPull(peer.registryId);
      const log = await this.logs.create(peer.registryId, request.kind, request.requestedBy, last?.cursorTo ?? null);
      const tracker = new ProgressTracker(log.id, request.kind, peer.registryId);
      const abort = new AbortController();
      const saga = new SyncSaga({
        connector: this.connector,
        logs: this.logs,
        catalog: this.catalog,
        apply: this.apply,
        store: this.store,
        dataSource: this.dataSource,
        config: this.config,
        stagingRoot: this.stagingRoot,
      });
      // Every log line of the job carries its id (src/observability/log-context.ts).
      const done = withSyncJobContext(log.id, () =>
        saga
          .run({ log, peer, kind: request.kind, cursor: last?.cursorTo ?? undefined, lastApplyXid: last?.localApplyXid ?? '0', progress: tracker, signal: abort.signal })
          .then(
            (outcome) => {
              this.events.publish(new SyncCompletedEvent(log.id, peer.registryId, request.kind, outcome.summary, outcome.manifest));
              return outcome;
            },
            (error: unknown) => {
              this.events.publish(new SyncFailedEvent(log.id, peer.registryId, request.kind, (error as AppError).code ?? 'ERR_SYNC_FAILED'));
              throw error;
            },
          ),
      ).finally(() => {
        this.jobs.delete(log.id);
        void this.unlock(lock);
      });
      done.catch(() => undefined);
      this.jobs.set(log.id, { id: log.id, tracker, abort, done });
      return log.id;
    } catch (error) {
      await this.unlock(lock);
      throw error;
    }
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
      kind: log.kind,
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

  private async tryLock(): Promise<QueryRunner | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const [{ locked }]: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SYNC_LOCK_KEY]);
    if (locked) return runner;
    await runner.release();
    return undefined;
  }

  private async unlock(runner: QueryRunner): Promise<void> {
    await runner.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK_KEY]).catch(() => undefined);
    await runner.release().catch(() => undefined);
  }
}
