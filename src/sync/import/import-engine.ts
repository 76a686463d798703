import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { localNodeUuid } from '../../core/local-node';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { StagingArea } from './staging';
import { q } from '../../core/sync-kernel/sql';
import { AppError } from '../../core/errors/app-error';
import {
  applyTombstonesSql,
  archiveRemovedRowsSql,
  archiveRevivedSql,
  archiveDeleteConflictsSql,
  archiveNaturalKeyCollisionsSql,
  archiveOrphansSql,
  deleteDanglingChildrenSql,
  lockAgainstLocalWritesSql,
  reviveSql,
  archiveRowConflictsSql,
  countDeletedLocallySql,
  recordTombstonesSql,
  REMOVED_ROW_TABLES_SQL,
  REMOVED_ROWS_SQL,
  stageTableSql,
  TOMBSTONE_ROWS_SQL,
  TOMBSTONE_STAGE_SQL,
  typedRowsSql,
  typedTableSql,
  upsertSql,
  deleteGoneAtOriginSql,
} from './import-sql';
import { archiveFutureRowsSql, archiveFutureTombstonesSql, dropFutureRowsSql, dropFutureTombstonesSql } from './future-stamps-sql';
import { ApplyContext, emptyTableResult, TableResult } from './import.types';

interface PgClient {
  query<T>(stream: T): T;
}

/**
 * The one import engine: applies staged rows and tombstones of any table, set-based, inside the
 * caller's transaction. Which tables and in which order is decided by the caller from the specs.
 */
@Injectable()
export class ImportEngine {
  constructor(
    private readonly catalog: SyncCatalog,
    private readonly config: AppConfig,
  ) {}

  /** Prepares the apply transaction: sync-apply mode for the triggers, deferred FKs, tombstones staged. */
  async begin(ctx: ApplyContext): Promise<void> {
    await ctx.runner.query(`SET LOCAL prism.sync_apply = 'on'`);
    await ctx.runner.query('SET CONSTRAINTS ALL DEFERRED');
    if (ctx.staging.isEmpty && !ctx.fullResyncOrigin) {
      // A pull that moved nothing only records itself.
      ctx.tombstoneState = { local: new Set(), incoming: new Map() };
      return;
    }
    // From here on no local write commits until this transaction does (see lockAgainstLocalWritesSql).
    await ctx.runner.query(lockAgainstLocalWritesSql(this.catalog.tables()));
    for (const sql of REMOVED_ROWS_SQL) await ctx.runner.query(sql, sql.includes('$1') ? [ctx.lastApplyXid] : []);
    await ctx.runner.query(TOMBSTONE_STAGE_SQL);
    if (ctx.staging.hasPages('_tombstones')) await this.copyInto(ctx.runner, 'COPY _tombstones_in (doc) FROM STDIN', ctx.staging.tombstoneFile);
    await ctx.runner.query(TOMBSTONE_ROWS_SQL);
    // Which checks a table needs: most pulls meet no local tombstones, and then skip them all.
    const local: { table_name: string }[] = await ctx.runner.query(`SELECT DISTINCT table_name FROM tombstones`);
    const incoming: { table_name: string; n: number }[] = await ctx.runner.query(`SELECT table_name, count(*)::int AS n FROM _tombstones GROUP BY 1`);
    ctx.tombstoneState = {
      local: new Set([...local.map((r) => r.table_name), ...incoming.map((r) => r.table_name)]),
      incoming: new Map(incoming.map((r) => [r.table_name, r.n])),
    };
    await this.loadRows(ctx);
  }

  /**
   * Every staged table into its typed temp table (rowsTable), before any table is applied:
   * PostgreSQL's COPY into typed columns checks every value, so a malformed page fails the pull
   * (ERR_MALFORMED_PAGE) before anything changed. COPY pages go straight in; JSON pages through a
   * stage table of documents and json_to_recordset.
   */
  private async loadRows(ctx: ApplyContext): Promise<void> {
    for (const model of this.catalog.tables()) {
      // Tables the fetch already loaded (ApplyPreload) are in their temp tables.
      if (!ctx.staging.hasPages(model.table) || ctx.preloaded?.has(model.table)) continue;
      if (ctx.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
      await this.loadTable(ctx.runner, ctx.staging, model);
    }
  }

  /**
   * One staged table into its typed temp table, and ANALYZE. `session`: before the apply's
   * transaction (ApplyPreload, while other feeds are still fetched), in a transaction of its own on
   * the apply's connection; the temp table then lives for the session (until applied, or DISCARD
   * TEMP), not just the transaction. Only COPY pages are loaded so; answers whether it loaded.
   */
  async loadTable(runner: QueryRunner, staging: StagingArea, model: TableModel, options: { session?: boolean } = {}): Promise<boolean> {
    const rows = rowsTable(model);
    const columns = staging.copyColumns(model.table);
    if (options.session && !columns) return false;
    try {
      if (columns) {
        const create = typedTableSql(model, rows);
        await runner.query(options.session ? create.replace(/\s+ON COMMIT DROP\b/i, '') : create);
        const copied = await this.copyInto(runner, `COPY ${rows} (${columns.map(q).join(', ')}) FROM STDIN`, staging.copyFile(model.table));
        const announced = staging.copyRows(model.table);
        if (copied !== announced) throw AppError.of('ERR_MALFORMED_PAGE', `malformed page from the peer: ${model.table} has ${copied} rows, its pages announced ${announced}`);
      } else {
        const stage = `_s_${model.applyOrder}`;
        await runner.query(stageTableSql(stage));
        await this.copyInto(runner, `COPY ${stage} (doc) FROM STDIN`, staging.pageFile(model.table));
        await runner.query(typedRowsSql(model, stage, rows));
        await runner.query(`DROP TABLE ${stage}`);
      }
    } catch (error) {
      throw malformedValues(error, model.table);
    }
    // Temp tables get no automatic statistics; the joins of the apply plan on these.
    await runner.query(`ANALYZE ${rows}`);
    return true;
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

    const state = ctx.tombstoneState!;
    const localTombstones = state.local.has(model.table);
    // Deletes first: a key deleted at the source is not kept alive by an older copy here.
    const tombstones = state.incoming.get(model.table) ?? 0;
    if (tombstones > 0) {
      result.tombstonesReceived = tombstones;
      const future = await affected(archiveFutureTombstonesSql(model), [ctx.syncLogId, ctx.peerRegistryId]);
      if (future > 0) {
        await ctx.runner.query(dropFutureTombstonesSql(model));
        result.skippedFuture += future;
        result.conflicts += future;
      }
      result.conflicts += await affected(archiveDeleteConflictsSql(model), conflictParams);
      result.deleted = (await one(applyTombstonesSql(model))).n;
      await ctx.runner.query(recordTombstonesSql(model), [ctx.peerProtocolId]);
    }

    if (!ctx.staging.hasPages(model.table)) {
      if (ctx.fullResyncOrigin) result.deleted += (await one(deleteGoneAtOriginSql(model, null), [ctx.fullResyncOrigin])).n;
      return result;
    }
    const rows = rowsTable(model);
    result.received = (await one(`SELECT count(*)::int AS n FROM ${rows}`)).n;
    // The future_timestamp rule (future-stamps-sql.ts): rows stamped beyond this node's clock are archived, not applied.
    const futureRows = await affected(archiveFutureRowsSql(model, rows), [ctx.syncLogId, ctx.peerRegistryId]);
    if (futureRows > 0) {
      await ctx.runner.query(dropFutureRowsSql(rows));
      result.skippedFuture += futureRows;
      result.conflicts += futureRows;
    }
    result.conflicts += await affected(archiveRowConflictsSql(model, rows), conflictParams);
    if (localTombstones) result.skippedDeleted = (await one(countDeletedLocallySql(model, rows))).n;
    const parents = this.checkedParents(model, state.local);
    if (parents.length > 0) {
      result.skippedOrphans = await affected(archiveOrphansSql(model, parents, rows), conflictParams);
      result.conflicts += result.skippedOrphans;
    }
    const hashes = [...ctx.fileLocators.keys()];
    const upserted = await one(upsertSql(model, rows, parents, localTombstones), [localNodeUuid(this.config.node.nodeId), ctx.peerProtocolId, hashes, hashes.map((h) => ctx.fileLocators.get(h))]);
    result.inserted = upserted.inserted;
    result.updated = upserted.updated;
    result.unchanged = result.received - result.inserted - result.updated - result.skippedDeleted - result.skippedOrphans - futureRows;
    for (const naturalKey of model.naturalKeys ?? []) {
      result.conflicts += await affected(archiveNaturalKeyCollisionsSql(model, rows, naturalKey), [ctx.syncLogId, ctx.peerRegistryId]);
    }
    if (localTombstones) {
      result.conflicts += await affected(archiveRevivedSql(model, rows), conflictParams);
      await ctx.runner.query(reviveSql(model, rows));
    }
    if (ctx.fullResyncOrigin) result.deleted += (await one(deleteGoneAtOriginSql(model, rows), [ctx.fullResyncOrigin])).n;
    await ctx.runner.query(`DROP TABLE ${rows}`);
    return result;
  }

  /**
   * After every table: rows whose NO ACTION parent a tombstone of this pull deleted go too (the
   * delete of a parent wins for its children), in dependency order so grandchildren follow.
   * Returns the rows removed per table. Runs only when the pull deleted something.
   */
  async removeDanglingChildren(ctx: ApplyContext, results: TableResult[]): Promise<Map<string, number>> {
    const touched = new Set(results.filter((r) => r.deleted > 0).map((r) => r.table));
    const removed = new Map<string, number>();
    if (touched.size === 0) return removed;
    for (const model of this.catalog.tables()) {
      for (const fk of model.foreignKeys) {
        if (fk.onDelete !== 'NO ACTION' || !touched.has(fk.referencedTable)) continue;
        const result = (await ctx.runner.query(deleteDanglingChildrenSql(model, fk), [ctx.syncLogId, ctx.peerRegistryId], true)) as { affected?: number };
        const n = result.affected ?? 0;
        if (n > 0) {
          removed.set(model.table, (removed.get(model.table) ?? 0) + n);
          touched.add(model.table);
        }
      }
    }
    return removed;
  }

  /**
   * After every delete of the pull: archives the locally changed rows it removed and did not archive
   * yet (children an incoming parent delete cascaded to), whatever the foreign key action. Returns
   * the rows archived per table.
   */
  async archiveRemovedRows(ctx: ApplyContext): Promise<Map<string, number>> {
    const archived = new Map<string, number>();
    if (ctx.staging.isEmpty) return archived;
    const tables: { table_name: string }[] = await ctx.runner.query(REMOVED_ROW_TABLES_SQL);
    for (const { table_name } of tables) {
      if (!this.catalog.hasTable(table_name)) continue;
      const result = (await ctx.runner.query(archiveRemovedRowsSql(this.catalog.table(table_name)), [ctx.syncLogId, ctx.peerRegistryId], true)) as { affected?: number };
      if (result.affected) archived.set(table_name, result.affected);
    }
    return archived;
  }

  /**
   * Foreign keys whose parents are applied before this table (or are this table) and of which this
   * node deleted rows: their presence is checked row by row. A parent table without tombstones has
   * every parent the consistent window refers to. Back-edges of a cycle and node-local columns are
   * left to the deferred constraint check at commit.
   */
  private checkedParents(model: TableModel, tablesWithTombstones: Set<string>) {
    return model.foreignKeys.filter((fk) => {
      if (!tablesWithTombstones.has(fk.referencedTable)) return false;
      if (fk.columns.some((c) => model.columns.find((col) => col.column === c)?.local)) return false;
      if (!this.catalog.hasTable(fk.referencedTable)) return false;
      return this.catalog.table(fk.referencedTable).applyOrder <= model.applyOrder;
    });
  }

  /** Runs a COPY … FROM STDIN with the file's contents; answers the rows copied. */
  private async copyInto(runner: QueryRunner, copySql: string, file: string): Promise<number> {
    const client = (runner as unknown as { databaseConnection: PgClient }).databaseConnection;
    const copy = client.query(copyFrom(copySql));
    await pipeline(createReadStream(file), copy);
    return copy.rowCount;
  }
}

/** The typed temp table of a table's incoming rows. */
const rowsTable = (model: TableModel) => `_r_${model.applyOrder}`;

/** A value PostgreSQL refused while loading a page (SQLSTATE class 22, data exception) is the peer's malformed page. */
function malformedValues(error: unknown, table: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('22')) return error;
  return AppError.of('ERR_MALFORMED_PAGE', `malformed page from the peer: ${table}: ${(error as Error).message}`, { cause: error });
}
