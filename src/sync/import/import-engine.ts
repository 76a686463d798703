import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { AppError } from '../../core/errors/app-error';
import {
  applyTombstonesSql,
  archiveDeleteConflictsSql,
  archiveRowConflictsSql,
  countDeletedLocallySql,
  recordTombstonesSql,
  stageTableSql,
  TOMBSTONE_ROWS_SQL,
  TOMBSTONE_STAGE_SQL,
  typedRowsSql,
  upsertSql,
} from './import-sql';
import { ApplyContext, emptyTableResult, TableResult } from './import.types';

interface PgClient {
  query(stream: unknown): NodeJS.WritableStream;
}

/**
 * The one import engine: applies staged rows and tombstones of any table, set-based, inside the
 * caller's transaction. Which tables and in which order is decided by the caller from the specs.
 */
@Injectable()
export class ImportEngine {
  constructor(private readonly catalog: SyncCatalog) {}

  /** Prepares the apply transaction: sync-apply mode for the triggers, deferred FKs, tombstones staged. */
  async begin(ctx: ApplyContext): Promise<void> {
    await ctx.runner.query(`SET LOCAL prism.sync_apply = 'on'`);
    await ctx.runner.query('SET CONSTRAINTS ALL DEFERRED');
    await ctx.runner.query(TOMBSTONE_STAGE_SQL);
    if (ctx.staging.hasPages('_tombstones')) await this.copyInto(ctx.runner, '_tombstones_in', ctx.staging.tombstoneFile);
    await ctx.runner.query(TOMBSTONE_ROWS_SQL);
  }

  /** Applies the incoming tombstones and rows of the given tables, in the given order. */
  async applyTables(ctx: ApplyContext, tables: string[]): Promise<TableResult[]> {
    const results: TableResult[] = [];
    for (const name of tables) {
      if (ctx.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
      const result = await this.applyTable(ctx, this.catalog.table(name));
      results.push(result);
      ctx.onTableApplied?.(result);
    }
    return results;
  }

  private async applyTable(ctx: ApplyContext, model: TableModel): Promise<TableResult> {
    const result = emptyTableResult(model.table);
    const conflictParams = [ctx.syncLogId, ctx.peerRegistryId, ctx.lastApplyXid];
    const one = async (sql: string, params: unknown[] = []) => ((await ctx.runner.query(sql, params)) as Record<string, number>[])[0];
    const affected = async (sql: string, params: unknown[]) => ((await ctx.runner.query(sql, params, true)) as { affected?: number }).affected ?? 0;

    // Deletes first: a key deleted at the source is not kept alive by an older copy here.
    const [{ n: tombstones }] = (await ctx.runner.query(`SELECT count(*)::int AS n FROM _tombstones WHERE table_name = $1`, [
      model.table,
    ])) as { n: number }[];
    if (tombstones > 0) {
      result.tombstonesReceived = tombstones;
      result.conflicts += await affected(archiveDeleteConflictsSql(model), conflictParams);
      result.deleted = (await one(applyTombstonesSql(model))).n;
      await ctx.runner.query(recordTombstonesSql(model), [ctx.peerProtocolId]);
    }

    if (!ctx.staging.hasPages(model.table)) return result;
    const stage = `_s_${model.applyOrder}`;
    const rows = `_r_${model.applyOrder}`;
    await ctx.runner.query(stageTableSql(stage));
    await this.copyInto(ctx.runner, stage, ctx.staging.pageFile(model.table));
    await ctx.runner.query(typedRowsSql(model, stage, rows));
    await ctx.runner.query(`DROP TABLE ${stage}`);
    result.received = (await one(`SELECT count(*)::int AS n FROM ${rows}`)).n;
    result.conflicts += await affected(archiveRowConflictsSql(model, rows), conflictParams);
    result.skippedDeleted = (await one(countDeletedLocallySql(model, rows))).n;
    const hashes = [...ctx.fileLocators.keys()];
    const upserted = await one(upsertSql(model, rows), [ctx.localNodeId, ctx.peerProtocolId, hashes, hashes.map((h) => ctx.fileLocators.get(h))]);
    result.inserted = upserted.inserted;
    result.updated = upserted.updated;
    result.unchanged = result.received - result.inserted - result.updated - result.skippedDeleted;
    await ctx.runner.query(`DROP TABLE ${rows}`);
    return result;
  }

  private async copyInto(runner: QueryRunner, table: string, file: string): Promise<void> {
    const client = (runner as unknown as { databaseConnection: PgClient }).databaseConnection;
    await pipeline(createReadStream(file), client.query(copyFrom(`COPY ${table} (doc) FROM STDIN`)));
  }
}
