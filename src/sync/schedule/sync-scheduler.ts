import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionSyncStatus } from '../../../client/src/types';
import { AppConfig } from '../../config';
import { PeriodicTask } from '../../core/periodic-task';
import { AppError } from '../../core/errors/app-error';
import { classifyFailure } from '../../core/errors/failure';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { SyncJobs } from '../pull/sync-jobs.service';
import { backoffSeconds, intervalSeconds, isPermanentFailure, scheduleState } from './schedule-policy';
import { SettingsChange, SyncSchedules } from './sync-schedules';

/** How long a claimed schedule is reserved for the replica that starts its pull. */
const CLAIM_LEASE_SECONDS = 600;

/**
 * Runs due scheduled pulls (SPEC §7): every SYNC_SCHEDULER_TICK_SECONDS it claims the most overdue
 * connection and pulls through SyncJobs, so a scheduled pull is an ordinary job (advisory lock: never
 * two at once per node, across replicas; same sync log, progress and failure guarantees). After a
 * failure it backs off exponentially with jitter (reset by a success); after repeated permanent
 * failures it pauses the schedule and records why.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncScheduler.name);
  // One scheduled pull at a time per replica; the next tick looks again.
  private readonly ticker = new PeriodicTask('scheduler', this.logger);

  constructor(
    private readonly schedules: SyncSchedules,
    private readonly jobs: SyncJobs,
    private readonly registry: NodeRegistryService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.ticker.start(this.config.sync.schedule.tickSeconds * 1000, () => this.runDue());
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** Changes a connection's sync settings: the interval in seconds (null: off; also resumes a paused schedule), push requests. */
  async configure(remoteNodeId: string, change: SettingsChange): Promise<ConnectionSyncStatus> {
    if (!isUuid(remoteNodeId)) throw invalidField('remoteNodeId', 'must be a UUID');
    const node = await this.registry.findById(remoteNodeId);
    if (!node || node.isLocal) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `no peer node ${remoteNodeId} in the registry`, { details: { remoteNodeId } });
    await this.schedules.configure(remoteNodeId, change);
    return (await this.status()).find((s) => s.remoteNodeId === remoteNodeId)!;
  }

  /** Per connection: schedule state, last success, last failure with its reason, next run. */
  async status(): Promise<ConnectionSyncStatus[]> {
    const [{ items: peers }, schedules, outcomes] = await Promise.all([this.registry.list(), this.schedules.list(), this.schedules.outcomes()]);
    const byPeer = new Map(schedules.map((s) => [s.remoteNodeId, s]));
    return peers.map((peer) => {
      const schedule = byPeer.get(peer.id);
      const success = outcomes.lastSuccess.get(peer.id);
      const failure = outcomes.lastFailure.get(peer.id);
      const runningJobId = outcomes.running.get(peer.id) ?? null;
      const intervalSeconds = schedule?.intervalSeconds ?? null;
      return {
        remoteNodeId: peer.id,
        nodeName: peer.nodeName,
        state: scheduleState({
          intervalSeconds,
          pausedReason: schedule?.pausedReason ?? null,
          consecutiveFailures: schedule?.consecutiveFailures ?? 0,
          running: runningJobId !== null,
        }),
        intervalSeconds,
        acceptPushRequests: schedule?.acceptPushRequests ?? false,
        runningJobId,
        nextRunAt: intervalSeconds !== null && !schedule?.pausedReason ? (schedule?.nextRunAt ?? null) : null,
        consecutiveFailures: schedule?.consecutiveFailures ?? 0,
        pausedReason: schedule?.pausedReason ?? null,
        clockSkewMs: outcomes.clockSkewMs.get(peer.id) ?? null,
        behind: outcomes.behind.get(peer.id) ?? null,
        lastSuccess: success ? { at: success.at, jobId: success.jobId } : null,
        lastFailure: failure && (!success || failure.at > success.at) ? { at: failure.at, jobId: failure.jobId, code: failure.code ?? 'ERR_SYNC_FAILED', message: failure.message ?? '' } : null,
      };
    });
  }

  /** Claims and runs due schedules one after another until none is due (a database error ends the round; the next tick tries again). */
  async runDue(): Promise<void> {
    for (let claimed = await this.schedules.claimDue(CLAIM_LEASE_SECONDS); claimed; claimed = await this.schedules.claimDue(CLAIM_LEASE_SECONDS)) {
      await this.runOne(claimed.remoteNodeId, claimed.intervalSeconds!, claimed.consecutiveFailures);
    }
  }

  private async runOne(remoteNodeId: string, interval: number, failuresBefore: number): Promise<void> {
    const policy = this.config.sync.schedule;
    let jobId: string | undefined;
    try {
      jobId = await this.jobs.start({ remoteNodeId, kind: 'pull', requestedBy: 'scheduler' });
      await this.jobs.wait(jobId);
      await this.schedules.succeeded(remoteNodeId, intervalSeconds(interval));
    } catch (error) {
      const failure = classifyFailure(error, 'pull');
      if (jobId === undefined && failure.code === 'ERR_SYNC_IN_PROGRESS') {
        // Another sync holds this node's lock (an operator's, or another replica's): soon, uncounted.
        await this.schedules.postpone(remoteNodeId, Math.max(1, policy.tickSeconds));
        return;
      }
      const permanent = isPermanentFailure(failure.code);
      const wait = backoffSeconds(policy, failuresBefore + 1);
      const row = await this.schedules.failed(remoteNodeId, { permanent, reason: `${failure.code}: ${failure.message}` }, wait, policy.pauseAfter);
      if (row?.pausedReason) this.logger.warn(`schedule of peer ${remoteNodeId} paused after ${row.permanentFailures} permanent failures: ${row.pausedReason}`);
      else this.logger.log(`scheduled pull from ${remoteNodeId} failed (${failure.code}); next try in ${Math.round(wait)} s`);
    }
  }
}
