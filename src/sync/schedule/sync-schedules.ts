import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { timestampText } from '../../core/sync-kernel/sql';
import type { FeedLag } from '../../../client/src/types';

export interface ScheduleRow {
  remoteNodeId: string;
  intervalSeconds: number | null;
  nextRunAt: string | null;
  consecutiveFailures: number;
  permanentFailures: number;
  pausedReason: string | null;
  acceptPushRequests: boolean;
}

/** A change of a connection's sync settings; absent fields stay as they are. */
export interface SettingsChange {
  /** Seconds between scheduled pulls; null: off. Setting it resets failures and resumes a paused schedule. */
  intervalSeconds?: number | null;
  acceptPushRequests?: boolean;
}

export interface PullOutcomeRow {
  remoteNodeId: string;
  jobId: string;
  at: string;
  code: string | null;
  message: string | null;
}

const ts = timestampText;
const COLUMNS = `remote_node_id AS "remoteNodeId", interval_seconds AS "intervalSeconds", ${ts('next_run_at')} AS "nextRunAt",
  consecutive_failures AS "consecutiveFailures", permanent_failures AS "permanentFailures", paused_reason AS "pausedReason",
  accept_push_requests AS "acceptPushRequests"`;

/**
 * The sync_schedules table and the per-peer outcomes the status shows. Statements that change a
 * row return it through a SELECT around the UPDATE (TypeORM answers UPDATE … RETURNING with [rows, count]).
 */
@Injectable()
export class SyncSchedules {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Changes a connection's settings. A new interval (or null: off) resets the failure counts and
   * resumes a paused schedule; its first run is due now.
   */
  async configure(remoteNodeId: string, change: SettingsChange): Promise<ScheduleRow> {
    const schedule = change.intervalSeconds !== undefined;
    const push = change.acceptPushRequests !== undefined;
    const [row] = await this.dataSource.query(
      `WITH s AS (
         INSERT INTO sync_schedules AS t (remote_node_id, interval_seconds, next_run_at, consecutive_failures, permanent_failures, paused_reason, accept_push_requests, updated_at)
         VALUES ($1, $2, CASE WHEN $2::int IS NULL THEN NULL ELSE clock_timestamp() END, 0, 0, NULL, coalesce($4::boolean, false), clock_timestamp())
         ON CONFLICT (remote_node_id) DO UPDATE SET
           interval_seconds = CASE WHEN $3 THEN EXCLUDED.interval_seconds ELSE t.interval_seconds END,
           next_run_at = CASE WHEN $3 THEN EXCLUDED.next_run_at ELSE t.next_run_at END,
           consecutive_failures = CASE WHEN $3 THEN 0 ELSE t.consecutive_failures END,
           permanent_failures = CASE WHEN $3 THEN 0 ELSE t.permanent_failures END,
           paused_reason = CASE WHEN $3 THEN NULL ELSE t.paused_reason END,
           accept_push_requests = CASE WHEN $5 THEN EXCLUDED.accept_push_requests ELSE t.accept_push_requests END,
           updated_at = clock_timestamp()
         RETURNING t.*)
       SELECT ${COLUMNS} FROM s`,
      [remoteNodeId, change.intervalSeconds ?? null, schedule, change.acceptPushRequests ?? null, push],
    );
    return row;
  }

  /** Whether the peer with this registry id may ask this node to pull from it. */
  async acceptsPushFrom(remoteNodeId: string): Promise<boolean> {
    const rows: { accept: boolean }[] = await this.dataSource.query(`SELECT accept_push_requests AS accept FROM sync_schedules WHERE remote_node_id = $1`, [remoteNodeId]);
    return rows[0]?.accept ?? false;
  }

  async list(): Promise<ScheduleRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM sync_schedules`);
  }

  /**
   * Claims the most overdue active schedule for `leaseSeconds` (so no other replica starts it
   * meanwhile); SKIP LOCKED lets replicas claim different rows at once.
   */
  async claimDue(leaseSeconds: number): Promise<ScheduleRow | undefined> {
    const [row] = await this.dataSource.query(
      `WITH due AS (
         SELECT remote_node_id FROM sync_schedules
         WHERE interval_seconds IS NOT NULL AND paused_reason IS NULL AND next_run_at <= clock_timestamp()
         ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED),
       s AS (
         UPDATE sync_schedules t SET next_run_at = clock_timestamp() + make_interval(secs => $1), updated_at = clock_timestamp()
         FROM due WHERE t.remote_node_id = due.remote_node_id RETURNING t.*)
       SELECT ${COLUMNS} FROM s`,
      [leaseSeconds],
    );
    return row;
  }

  /** A scheduled pull succeeded: failures reset, next run after `inSeconds`. */
  async succeeded(remoteNodeId: string, inSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_schedules SET consecutive_failures = 0, permanent_failures = 0, updated_at = clock_timestamp(),
         next_run_at = clock_timestamp() + make_interval(secs => $2)
       WHERE remote_node_id = $1`,
      [remoteNodeId, inSeconds],
    );
  }

  /** A scheduled pull failed: counted, retried after `inSeconds`, paused after `pauseAfter` permanent failures in a row. */
  async failed(remoteNodeId: string, failure: { permanent: boolean; reason: string }, inSeconds: number, pauseAfter: number): Promise<ScheduleRow | undefined> {
    const [row] = await this.dataSource.query(
      `WITH s AS (
         UPDATE sync_schedules SET consecutive_failures = consecutive_failures + 1,
           permanent_failures = CASE WHEN $2 THEN permanent_failures + 1 ELSE 0 END,
           paused_reason = CASE WHEN $2 AND permanent_failures + 1 >= $5 THEN $3 ELSE NULL END,
           next_run_at = clock_timestamp() + make_interval(secs => $4), updated_at = clock_timestamp()
         WHERE remote_node_id = $1 RETURNING *)
       SELECT ${COLUMNS} FROM s`,
      [remoteNodeId, failure.permanent, failure.reason.slice(0, 2000), inSeconds, pauseAfter],
    );
    return row;
  }

  /** Not run (another sync holds the node's lock): try again soon, not counted as a failure. */
  async postpone(remoteNodeId: string, inSeconds: number): Promise<void> {
    await this.dataSource.query(`UPDATE sync_schedules SET next_run_at = clock_timestamp() + make_interval(secs => $2) WHERE remote_node_id = $1`, [
      remoteNodeId,
      inSeconds,
    ]);
  }

  /** Per peer: the newest completed pull, the newest failed one, and whether one runs now (any replica). */
  async outcomes(): Promise<{
    lastSuccess: Map<string, PullOutcomeRow>;
    lastFailure: Map<string, PullOutcomeRow>;
    running: Map<string, string>;
    clockSkewMs: Map<string, number>;
    behind: Map<string, FeedLag>;
  }> {
    const newest = (statuses: string) =>
      this.dataSource.query(
        `SELECT DISTINCT ON (remote_node_id) remote_node_id AS "remoteNodeId", id AS "jobId", ${ts('coalesce(completed_at, started_at)')} AS at,
           error_code AS code, error_message AS message
         FROM sync_logs WHERE kind = 'pull' AND status IN (${statuses})
         ORDER BY remote_node_id, coalesce(completed_at, started_at) DESC`,
      ) as Promise<PullOutcomeRow[]>;
    // The last measured clock skew per peer, whatever became of that pull (a refused one included).
    const skews = this.dataSource.query(
      `SELECT DISTINCT ON (remote_node_id) remote_node_id AS "remoteNodeId", clock_skew_ms AS skew
       FROM sync_logs WHERE clock_skew_ms IS NOT NULL ORDER BY remote_node_id, started_at DESC`,
    ) as Promise<{ remoteNodeId: string; skew: number }[]>;
    // The newest measurement per peer: a committed pull applied all its manifest announced (0 behind
    // as of then); a failed pull or a preview applied nothing of it.
    const lags = this.dataSource.query(
      `SELECT DISTINCT ON (remote_node_id) remote_node_id AS "remoteNodeId", id AS "jobId", announced,
         (kind = 'pull' AND status = 'completed') AS applied
       FROM sync_logs WHERE announced IS NOT NULL AND status <> 'in_progress' ORDER BY remote_node_id, started_at DESC`,
    ) as Promise<{ remoteNodeId: string; jobId: string; announced: Omit<FeedLag, 'jobId'>; applied: boolean }[]>;
    const [ok, failed, running, skew, lag] = await Promise.all([newest(`'completed'`), newest(`'failed', 'rolled_back', 'cancelled'`), newest(`'in_progress'`), skews, lags]);
    const byPeer = (rows: PullOutcomeRow[]) => new Map(rows.map((r) => [r.remoteNodeId, r]));
    return {
      lastSuccess: byPeer(ok),
      lastFailure: byPeer(failed),
      running: new Map(running.map((r) => [r.remoteNodeId, r.jobId])),
      clockSkewMs: new Map(skew.map((r) => [r.remoteNodeId, r.skew])),
      behind: new Map(
        lag.map((r) => [
          r.remoteNodeId,
          r.applied
            ? { rows: 0, tombstones: 0, bytes: 0, files: 0, fileBytes: 0, measuredAt: r.announced.measuredAt, jobId: r.jobId }
            : { ...r.announced, jobId: r.jobId },
        ]),
      ),
    };
  }
}
