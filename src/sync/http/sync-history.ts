import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { timestampText } from '../../core/sync-kernel/sql';
import { SagaOutcome } from '../pull/sync-saga';
import { SyncLogFilter, SyncLogs } from '../pull/sync-logs';
import { ConflictQueryDto } from './sync-operator.dto';

const ts = timestampText;

/** Shapes sync results and history for the operator API (reference shapes plus our fields). */
@Injectable()
export class SyncHistory {
  constructor(
    private readonly logs: SyncLogs,
    private readonly dataSource: DataSource,
  ) {}

  async syncResult(jobId: string, outcome: SagaOutcome) {
    const log = outcome.finished ?? (await this.logs.get(jobId))!;
    return {
      status: log.status,
      startedAt: log.startedAt,
      completedAt: log.completedAt,
      entitiesReceived: outcome.summary.entitiesReceived,
      jobId,
      remoteNodeId: log.remoteNodeId,
      summary: outcome.summary,
    };
  }

  async previewResponse(jobId: string, remoteNodeId: string, outcome: SagaOutcome) {
    const last = await this.logs.lastCompletedPull(remoteNodeId);
    return {
      manifest: outcome.manifest,
      autoResolvedSince: last?.lastSyncedAt ?? null,
      remoteNodeId,
      jobId,
      preview: outcome.summary,
    };
  }

  async log(filter: SyncLogFilter, page: number, pageSize: number) {
    const { rows, total } = await this.logs.list({ ...filter, limit: pageSize, offset: (page - 1) * pageSize });
    return {
      data: rows.map((r) => ({
        id: r.id,
        remoteNodeId: r.remoteNodeId,
        startedAt: r.startedAt,
        completedAt: r.completedAt,
        status: r.status,
        lastSyncedAt: r.lastSyncedAt,
        // The reference sends this as a JSON string.
        entitiesReceived: r.entitiesReceived === null ? null : JSON.stringify(r.entitiesReceived),
        errorMessage: r.errorMessage,
        errorCode: r.errorCode,
        kind: r.kind,
        phase: r.phase,
        requestedBy: r.requestedBy,
        negotiatedProtocol: r.negotiatedProtocol,
        counts: r.counts,
        clockSkewMs: r.clockSkewMs,
        resumed: r.resumed,
        announced: r.announced,
      })),
      page,
      pageSize,
      totalRecords: total,
      totalPages: Math.ceil(total / pageSize),
    };
  }

  async conflicts(query: ConflictQueryDto) {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 50;
    const where = `WHERE ($1::uuid IS NULL OR remote_node_id = $1) AND ($2::text IS NULL OR table_name = $2) AND ($3::uuid IS NULL OR sync_log_id = $3)`;
    const params = [query.remoteNodeId ?? null, query.table ?? null, query.syncLogId ?? null];
    const data = await this.dataSource.query(
      `SELECT id, sync_log_id AS "syncLogId", remote_node_id AS "remoteNodeId", table_name AS "table", row_key AS "key",
              local_version AS "localVersion", remote_version AS "remoteVersion", winner, rule, ${ts('created_at')} AS "createdAt",
              ${ts('restored_at')} AS "restoredAt", restored_by AS "restoredBy"
       FROM sync_conflicts ${where} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`,
      [...params, pageSize, (page - 1) * pageSize],
    );
    const [{ n }]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_conflicts ${where}`, params);
    return { data, page, pageSize, totalRecords: n, totalPages: Math.ceil(n / pageSize) };
  }
}
