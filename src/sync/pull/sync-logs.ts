import { Injectable } from '@nestjs/common';
import { escapeLiteral } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { timestampText } from '../../core/sync-kernel/sql';
import { isUuid } from '../../core/uuid';
import type { FeedLag, SyncLogKind } from '../../../client/src/types';
import { LastSync, PeerSyncStatus } from '../../nodes/peer-sync-status.port';
import type { ResumeReport } from './kept-staging';

export type SyncStatus = 'in_progress' | 'completed' | 'failed' | 'rolled_back' | 'cancelled';
/** What a log row records: the SDK's SyncLogKind (client/): a pull, a preview, a bundle imported or exported. */
export type SyncKind = SyncLogKind;

/** Kinds that applied a peer's data here: where the next pull or bundle from that peer starts. */
const APPLIED_KINDS = `kind IN ('pull', 'bundle_import')`;

/** Which history rows an operator asks for (every field optional: all rows). */
export interface SyncLogFilter {
  remoteNodeId?: string;
  status?: SyncStatus;
  kind?: SyncKind;
}

export interface SyncLogRow {
  id: string;
  remoteNodeId: string;
  kind: SyncKind;
  status: SyncStatus;
  phase: string | null;
  startedAt: string;
  completedAt: string | null;
  lastSyncedAt: string | null;
  cursorFrom: string | null;
  cursorTo: string | null;
  localApplyXid: string | null;
  entitiesReceived: Record<string, number> | null;
  counts: unknown;
  progress: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  requestedBy: string | null;
  /** The protocol the peer spoke at this pull ("2" or "reference"), once its manifest was in. */
  negotiatedProtocol: string | null;
  /** The peer's clock minus this node's (ms), measured at the manifest; null before it. */
  clockSkewMs: number | null;
  /** What this pull took over from a kept staging of an earlier pull that failed mid-fetch; null: nothing. */
  resumed: ResumeReport | null;
  /** What the peer's (change-feed) manifest announced for this pull's window, and when it was measured. */
  announced: Announced | null;
}

/** A change-feed manifest's totals: how far behind the peer's feed this node was when it was measured. */
export type Announced = Omit<FeedLag, 'jobId'>;

const ts = timestampText;

/** What a job measured of the peer before its row was written: the protocol spoken and the clock skew. */
export interface Measured {
  protocol?: string;
  clockSkewMs?: number;
  /** What the manifest announced (change-feed peers). */
  announced?: Announced;
  /** What the pull took over from a kept staging (null: it was gone at the peer, the pull started afresh). */
  resumed?: ResumeReport | null;
}

/** The database clock, as a value of SyncLogs.write. */
const NOW = Symbol('clock_timestamp()');
/** Columns an update never blanks: what an earlier write of the same job already recorded. */
const KEEP_WHEN_NULL = new Set(['progress', 'negotiated_protocol', 'clock_skew_ms']);

// announced and resumed are always what the job holds now (a resume dropped at a 410 is null again).
const measuredColumns = (measured: Measured) => ({
  negotiated_protocol: measured.protocol ?? null,
  clock_skew_ms: measured.clockSkewMs ?? null,
  announced: measured.announced ? JSON.stringify(measured.announced) : null,
  resumed: measured.resumed ? JSON.stringify(measured.resumed) : null,
});

const SELECT = `SELECT id, remote_node_id AS "remoteNodeId", kind, status, phase, ${ts('started_at')} AS "startedAt",
  ${ts('completed_at')} AS "completedAt", ${ts('last_synced_at')} AS "lastSyncedAt", cursor_from AS "cursorFrom",
  cursor_to AS "cursorTo", local_apply_xid::text AS "localApplyXid", entities_received AS "entitiesReceived", counts, progress,
  error_code AS "errorCode", error_message AS "errorMessage", requested_by AS "requestedBy", negotiated_protocol AS "negotiatedProtocol",
  clock_skew_ms AS "clockSkewMs", resumed, announced FROM sync_logs`;

const LAST_COMPLETED_PULL_SQL = `${SELECT} WHERE remote_node_id = $1 AND ${APPLIED_KINDS} AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`;

/**
 * Runs one statement without parameters and answers its rows: how a job's last write can share a
 * round trip with the end of its job (SyncLock.releaseAfter: the write committed, then the unlock).
 */
export type EndingWrite = <T>(statement: string) => Promise<T[]>;

/**
 * A string as a literal, as the driver's escapeLiteral writes it: without a backslash that is the
 * text with its quotes doubled, in one native replace (escapeLiteral builds it a character at a
 * time: ~0.2 ms for the ~9 KB of a no-op's row, on its critical path).
 */
export function sqlStringLiteral(value: string): string {
  return value.includes('\\') ? escapeLiteral(value) : `'${value.replaceAll("'", "''")}'`;
}

/** `sql` with its $n parameters inlined as literals (strings as escapeLiteral writes them). */
function inlined(sql: string, params: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const value = params[Number(n) - 1];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string') return sqlStringLiteral(value);
    throw new Error(`sync log value of type ${typeof value} cannot be inlined`);
  });
}

/** What the operator's answer to a finished pull tells of its row (SyncHistory.syncResult). */
export type FinishedRow = Pick<SyncLogRow, 'status' | 'remoteNodeId' | 'startedAt' | 'completedAt'>;
const FINISHED_COLUMNS = `status, remote_node_id AS "remoteNodeId", ${ts('started_at')} AS "startedAt", ${ts('completed_at')} AS "completedAt"`;
const finishedRow = (row: FinishedRow | undefined): FinishedRow | undefined =>
  row && { status: row.status, remoteNodeId: row.remoteNodeId, startedAt: row.startedAt, completedAt: row.completedAt };

/** The sync_logs table: job state of the SyncSaga (persisted, survives restarts), and each peer's last pull. */
@Injectable()
export class SyncLogs extends PeerSyncStatus {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  /**
   * A new job's row, in memory: it is written when the job has something to record — its manifest
   * announced work (begin), it ended with nothing to do (completeUnchanged), or it failed (fail) —
   * so a pull with nothing to do writes one row, once. Until then the job lives in SyncJobs (its
   * lock's connection names it), and a crash leaves nothing to recover but its staging.
   */
  draft(id: string, remoteNodeId: string, kind: SyncKind, requestedBy: string | null, cursorFrom: string | null): SyncLogRow {
    return {
      id,
      remoteNodeId,
      kind,
      status: 'in_progress',
      phase: 'queued',
      startedAt: new Date().toISOString(),
      completedAt: null,
      lastSyncedAt: null,
      cursorFrom,
      cursorTo: null,
      localApplyXid: null,
      entitiesReceived: null,
      counts: null,
      progress: null,
      errorCode: null,
      errorMessage: null,
      requestedBy,
      negotiatedProtocol: null,
      clockSkewMs: null,
      resumed: null,
      announced: null,
    };
  }

  /** The row of a job whose manifest announced work, with what the manifest told (again after a re-fetched window). */
  async begin(log: SyncLogRow, phase: string, progress: unknown, measured: Measured): Promise<void> {
    await this.write(log, { status: 'in_progress', phase, progress: JSON.stringify(progress), ...measuredColumns(measured) });
  }

  /**
   * The one write of a job that found nothing to do (the peer's window was empty): its completed row.
   * A pull records the peer's next cursor (what the empty window saw) and keeps the previous pull's
   * apply xid: nothing was applied, so what counts as a local change stays as it was. Committed
   * without waiting for the WAL flush: if a crash loses the row, the next pull starts from the
   * previous cursor and finds the same changes or more (and a later durable commit flushes it too).
   * With `endWith`, the row is written through it (inlined: it shares the job's last round trip).
   */
  async completeUnchanged(
    log: SyncLogRow,
    result: { cursorTo: string | null; lastSyncedAt: string | null; localApplyXid: string | null; entitiesReceived: Record<string, number>; counts: unknown; progress: unknown },
    measured: Measured,
    endWith?: EndingWrite,
  ): Promise<FinishedRow | undefined> {
    return this.write(log, {
      status: 'completed',
      phase: 'done',
      completed_at: NOW,
      cursor_to: result.cursorTo,
      last_synced_at: result.lastSyncedAt,
      local_apply_xid: result.localApplyXid,
      entities_received: JSON.stringify(result.entitiesReceived),
      counts: JSON.stringify(result.counts),
      progress: JSON.stringify(result.progress),
      ...measuredColumns(measured),
    }, { durable: false, endWith });
  }

  /**
   * The job's row with `set`: inserted, or updated while the job is still in progress (a finished
   * row is never changed again). Values are parameters; NOW is the database clock. Not `durable`:
   * the statement's own transaction commits without waiting for the WAL flush (synchronous_commit
   * off for it alone, set from RETURNING: it is in effect at the commit). Returns what the operator's
   * answer needs of the row as written (undefined: a finished row, left unchanged). `endWith`: the
   * statement runs through it, its values inlined.
   */
  private async write(log: SyncLogRow, set: Record<string, unknown>, options: { durable: boolean; endWith?: EndingWrite } = { durable: true }): Promise<FinishedRow | undefined> {
    // A new row starts in the job's phase; an update changes only what `set` names.
    const inserted: Record<string, unknown> = { phase: log.phase, ...set };
    const columns = Object.keys(inserted);
    const params: unknown[] = [log.id, log.remoteNodeId, log.kind, log.requestedBy, log.cursorFrom, log.startedAt];
    const values = columns.map((c) => {
      if (inserted[c] === NOW) return 'clock_timestamp()';
      params.push(inserted[c]);
      return `$${params.length}`;
    });
    const keep = (c: string) => (KEEP_WHEN_NULL.has(c) ? `coalesce(EXCLUDED.${c}, sync_logs.${c})` : `EXCLUDED.${c}`);
    const sql = `INSERT INTO sync_logs (id, remote_node_id, kind, requested_by, cursor_from, started_at, updated_at, ${columns.join(', ')})
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp(), ${values.join(', ')})
       ON CONFLICT (id) DO UPDATE SET updated_at = clock_timestamp(), ${Object.keys(set).map((c) => `${c} = ${keep(c)}`).join(', ')}
       WHERE sync_logs.status = 'in_progress'
       RETURNING ${FINISHED_COLUMNS}${options.durable ? '' : `, set_config('synchronous_commit', 'off', true)`}`;
    const rows: FinishedRow[] = options.endWith ? await options.endWith<FinishedRow>(inlined(sql, params)) : await this.dataSource.query(sql, params);
    return finishedRow(rows[0]);
  }

  async get(id: string): Promise<SyncLogRow | undefined> {
    const rows: SyncLogRow[] = await this.dataSource.query(`${SELECT} WHERE id = $1`, [id]);
    return rows[0];
  }

  async list(filter: SyncLogFilter & { limit: number; offset: number }): Promise<{ rows: SyncLogRow[]; total: number }> {
    const where = 'WHERE ($1::uuid IS NULL OR remote_node_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)';
    const params = [filter.remoteNodeId ?? null, filter.status ?? null, filter.kind ?? null];
    const rows: SyncLogRow[] = await this.dataSource.query(`${SELECT} ${where} ORDER BY started_at DESC, id LIMIT $4 OFFSET $5`, [...params, filter.limit, filter.offset]);
    const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_logs ${where}`, params);
    return { rows, total: n };
  }

  /** The last completed pull (or bundle import) from a peer: where the next one starts and what counts as a local change. */
  async lastCompletedPull(remoteNodeId: string): Promise<SyncLogRow | undefined> {
    const rows: SyncLogRow[] = await this.dataSource.query(LAST_COMPLETED_PULL_SQL, [remoteNodeId]);
    return rows[0];
  }

  /** lastCompletedPull as a statement without parameters (a row or none), to share a round trip (SyncLock.tryAcquireReading). */
  lastCompletedPullSql(remoteNodeId: string): string {
    if (!isUuid(remoteNodeId)) throw new Error(`peer id ${remoteNodeId} is not a uuid`);
    return LAST_COMPLETED_PULL_SQL.replace('$1', `'${remoteNodeId}'::uuid`);
  }

  async running(): Promise<SyncLogRow[]> {
    return this.dataSource.query(`${SELECT} WHERE status = 'in_progress' ORDER BY started_at`);
  }

  async updateProgress(id: string, phase: string, progress: unknown): Promise<void> {
    await this.dataSource.query(`UPDATE sync_logs SET phase = $2, progress = $3, updated_at = clock_timestamp() WHERE id = $1`, [
      id,
      phase,
      JSON.stringify(progress),
    ]);
  }

  /**
   * Completion, inside the apply transaction: it commits together with the data and the cursor.
   * Returns the row as it commits (what the operator's answer needs of it).
   */
  async complete(
    runner: QueryRunner,
    id: string,
    result: { cursorTo: string | null; lastSyncedAt: string; entitiesReceived: Record<string, number>; counts: unknown; progress: unknown },
  ): Promise<FinishedRow | undefined> {
    const [rows]: [FinishedRow[], number] = await runner.query(
      `UPDATE sync_logs SET status = 'completed', phase = 'done', completed_at = clock_timestamp(), updated_at = clock_timestamp(),
         cursor_to = $2, last_synced_at = $3::timestamptz, entities_received = $4, counts = $5, progress = $6,
         local_apply_xid = pg_current_xact_id()::text::bigint
       WHERE id = $1 RETURNING ${FINISHED_COLUMNS}`,
      [id, result.cursorTo, result.lastSyncedAt, JSON.stringify(result.entitiesReceived), JSON.stringify(result.counts), JSON.stringify(result.progress)],
    );
    return finishedRow(rows[0]);
  }

  /** Failure, written outside the rolled-back transaction (the row, if the job had not written it yet). */
  async fail(log: SyncLogRow, status: Exclude<SyncStatus, 'in_progress' | 'completed'>, code: string, message: string, progress?: unknown, measured: Measured = {}): Promise<void> {
    await this.write(log, {
      status,
      error_code: code,
      error_message: message.slice(0, 4000),
      completed_at: NOW,
      progress: progress === undefined ? null : JSON.stringify(progress),
      ...measuredColumns(measured),
    });
  }

  /** A finished preview: its counts are kept, nothing else changed. */
  async finishPreview(id: string, counts: unknown, progress: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_logs SET status = 'completed', phase = 'done', counts = $2, progress = $3, completed_at = clock_timestamp(),
         updated_at = clock_timestamp() WHERE id = $1`,
      [id, JSON.stringify(counts), JSON.stringify(progress)],
    );
  }

  async lastSyncs(ids: string[]): Promise<Map<string, LastSync>> {
    const result = new Map<string, LastSync>();
    if (ids.length === 0) return result;
    const rows: { remote_node_id: string; synced_at: Date | null; status: string; negotiated_protocol: string | null }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (remote_node_id) remote_node_id, coalesce(completed_at, last_synced_at) AS synced_at, status, negotiated_protocol
         FROM sync_logs WHERE status = 'completed' AND ${APPLIED_KINDS} AND remote_node_id = ANY($1::uuid[])
        ORDER BY remote_node_id, completed_at DESC NULLS LAST`,
      [ids],
    );
    for (const row of rows) {
      result.set(row.remote_node_id, { lastSyncedAt: row.synced_at ? new Date(row.synced_at).toISOString() : null, lastSyncStatus: row.status, negotiatedProtocol: row.negotiated_protocol, lastClockSkewMs: null });
    }
    // The last measured skew, whatever became of that pull (a refused one included).
    const skews: { remote_node_id: string; skew: number }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (remote_node_id) remote_node_id, clock_skew_ms AS skew
         FROM sync_logs WHERE clock_skew_ms IS NOT NULL AND remote_node_id = ANY($1::uuid[])
        ORDER BY remote_node_id, started_at DESC`,
      [ids],
    );
    for (const row of skews) {
      const last = result.get(row.remote_node_id) ?? { lastSyncedAt: null, lastSyncStatus: null, lastClockSkewMs: null };
      result.set(row.remote_node_id, { ...last, lastClockSkewMs: row.skew });
    }
    return result;
  }
}
