import { Injectable } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { localNodeUuid } from '../../core/local-node';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { StagingArea } from './staging';
import { q } from '../../core/sync-kernel/sql';
import { AppError } from '../../core/errors/app-error';
import {
  applyRowsSql,
  applyTombstonesSql,
  archiveRevivedSql,
  archiveNaturalKeyCollisionsSql,
  applyStateSql,
  ARCHIVE_REMOVED_AFTER_SQL,
  ARCHIVE_REMOVED_SINCE_SQL,
  REMOVED_ROWS_TABLE_SQL,
  lockAgainstLocalWritesSql,
  reviveSql,
  recordTombstonesSql,
  stageTableSql,
  TOMBSTONE_ROWS_SQL,
  TOMBSTONE_STAGE_SQL,
  typedRowsSql,
  typedTableSql,
  deleteGoneAtOriginSql,
} from './import-sql';
import { AfterTables, presentParents, withRiTriggers } from './after-tables';
import { ForeignKeyViolation, foreignKeyViolationsSql, mayWriteInReplicaMode } from './foreign-key-check-sql';
import { ApplyContext, emptyTableResult, TableResult } from './import.types';
import { copyStagedFile, malformedValues } from './staged-copy';
import { batchableTable, fillRowsResult, inlinedApplyParams, inlineParams, PEER_ORIGIN_SETTING, RowsBatch, RowsCounts, simpleQuery } from './rows-batch';

/**
 * The one import engine: applies staged rows and tombstones of any table, set-based, inside the
 * caller's transaction. Which tables and in which order is decided by the caller from the specs.
 */
@Injectable()
export class ImportEngine {
  /** The steps once every table is in (waiting orphans, dangling children, the archive of removed rows). */
  readonly afterTables: AfterTables;

  constructor(
    private readonly catalog: SyncCatalog,
    private readonly config: AppConfig,
  ) {
    this.afterTables = new AfterTables(catalog, this);
  }

  /**
   * Prepares the apply transaction: sync-apply mode for the triggers, deferred FKs, the set-based
   * foreign key check where the role allows it (replica mode), tombstones staged.
   */
  async begin(ctx: ApplyContext): Promise<void> {
    // Statements without parameters share a round trip (the simple protocol takes several), the
    // transaction's BEGIN too when the caller left it to this one.
    const opens = ctx.opensWith ? [ctx.opensWith] : [];
    ctx.opensWith = undefined;
    const modes = [...opens, `SET LOCAL prism.sync_apply = 'on'`, `SET CONSTRAINTS ALL DEFERRED`];
    if (ctx.staging.isEmpty && !ctx.fullResyncOrigin) {
      await ctx.runner.query(modes.join('; '));
      // A pull that moved nothing only records itself.
      ctx.tombstoneState = { local: new Set(), incoming: new Map() };
      return;
    }
    // From here on no local write commits until this transaction does (see lockAgainstLocalWritesSql).
    await ctx.runner.query([...modes, lockAgainstLocalWritesSql(this.catalog.tables()), REMOVED_ROWS_TABLE_SQL, TOMBSTONE_STAGE_SQL].join('; '));
    // The settings and the replica-mode check in one bound statement (foreign-key-check-sql.ts).
    // The batched row statements (rows-batch.ts) read the peer's origin from a setting bound here.
    ctx.inlinedParams = inlinedApplyParams(ctx, localNodeUuid(this.config.node.nodeId));
    const settings = ctx.inlinedParams
      ? { sql: `${ARCHIVE_REMOVED_SINCE_SQL}, set_config('${PEER_ORIGIN_SETTING}', $2, true)`, params: [ctx.lastApplyXid, ctx.peerProtocolId] }
      : { sql: ARCHIVE_REMOVED_SINCE_SQL, params: [ctx.lastApplyXid] };
    ctx.replicaWrites = await this.mayEnterReplicaMode(ctx, settings);
    if (ctx.staging.hasPages('_tombstones')) await copyStagedFile(ctx.runner, 'COPY _tombstones_in (doc) FROM STDIN', ctx.staging.tombstoneFile);
    // Which checks a table needs: most pulls meet no local tombstones, and then skip them all; a
    // table without rows (under the lock, only its own step writes it) has nothing to merge. One
    // round trip with the tombstones' typed table and replica mode (nothing was written yet).
    const replica = ctx.replicaWrites ? [`SET LOCAL session_replication_role = replica`] : [];
    const answers = await simpleQuery(ctx.runner, [TOMBSTONE_ROWS_SQL, ARCHIVE_REMOVED_AFTER_SQL, ...replica, applyStateSql(this.catalog.tables())]);
    const tables = answers.at(-1)!.rows as { kind: 'local' | 'incoming' | 'empty'; table_name: string; n: number }[];
    const of = (kind: string) => tables.filter((r) => r.kind === kind);
    ctx.tombstoneState = {
      local: new Set([...of('local'), ...of('incoming')].map((r) => r.table_name)),
      incoming: new Map(of('incoming').map((r) => [r.table_name, r.n])),
    };
    ctx.emptyTables = new Set(of('empty').map((r) => r.table_name));
    await this.analyzeMerged(ctx);
    await this.loadRows(ctx);
  }

  /**
   * Tables the fetch loaded without ANALYZE because their target was empty then (a hint, read
   * without the lock): those that have rows or tombstones to merge with now, under the lock, get
   * the statistics their merge's joins plan on, as loadTable gives them.
   */
  private async analyzeMerged(ctx: ApplyContext): Promise<void> {
    const merged = [...(ctx.preloadedUnanalyzed ?? [])].filter(
      (table) => (!ctx.emptyTables!.has(table) || ctx.tombstoneState!.local.has(table)) && ctx.staging.copyRows(table) >= ANALYZE_MIN_ROWS,
    );
    if (merged.length > 0) await ctx.runner.query(merged.map((table) => `ANALYZE ${rowsTable(this.catalog.table(table))}`).join('; '));
  }

  /**
   * A statement answering which of these (one or more) tables have no row now, a row
   * (table_name) each (read without a lock: a hint, begin decides under the lock). No parameters:
   * it may run in a round trip of several statements.
   */
  emptyNowSql(tables: readonly TableModel[]): string {
    return tables.map((model) => `SELECT '${model.table}' AS table_name WHERE NOT EXISTS (SELECT 1 FROM ${q(model.table)})`).join('\nUNION ALL\n');
  }

  /**
   * The set-based foreign key check (foreign-key-check-sql.ts): where the role may set
   * session_replication_role, the apply's inserts and updates run in replica mode, so no RI trigger
   * is queued per row (nor checked per row at COMMIT; `finish` checks them per key). Deletes switch
   * back (`withRiTriggers`): ON DELETE CASCADE / SET NULL are RI triggers too. No node trigger is
   * lost: in sync-apply mode prism_stamp_row() only stamps change_xid and fills defaults, which the
   * upsert writes itself; the natural-key triggers do nothing in sync-apply mode; prism_tombstone()
   * fires on deletes, which run with triggers on. Answers whether it may be on (`begin` sets it with its next statements).
   * `settings`: begin's settings statement (a SELECT of set_config calls), run in the same statement as the check.
   */
  private async mayEnterReplicaMode(ctx: ApplyContext, settings: { sql: string; params: unknown[] }): Promise<boolean> {
    if (this.config.sync.applyForeignKeyCheck !== 'auto') {
      await ctx.runner.query(settings.sql, settings.params);
      return false;
    }
    return mayWriteInReplicaMode((sql, params) => ctx.runner.query(sql, params), ctx.syncLogId, ctx.peerRegistryId, settings);
  }

  /**
   * Last step before the caller's commit: in replica mode, triggers back on and every foreign key of
   * the rows the apply wrote checked in one statement. A missing parent fails the pull as the
   * deferred check at COMMIT would (ERR_APPLY_FAILED, 23503), and the transaction rolls back.
   */
  async finish(ctx: ApplyContext, results: TableResult[]): Promise<void> {
    if (!ctx.replicaWrites) return;
    await ctx.runner.query(`SET LOCAL session_replication_role = origin`);
    ctx.replicaWrites = false;
    // A table whose row statements kept every written row's foreign keys (keysToCheckSql) has no
    // parent to check; one they did not report on is checked.
    const written = results.filter((r) => r.inserted + r.updated > 0 && (ctx.foreignKeyRows?.get(r.table) ?? 1) > 0);
    const synced = (table: string) => this.catalog.hasTable(table);
    // A table that was empty and received many rows (a first full pull: its parents too) is best
    // checked by one hash anti-join per key, but its statistics still say empty, so the planner
    // would probe the parent once per row. A few rows: the probes are right.
    const bulk = (r: TableResult) => (ctx.emptyTables?.has(r.table) ?? false) && r.inserted >= ANALYZE_MIN_ROWS;
    const models = (rs: TableResult[]) => rs.map((r) => this.catalog.table(r.table));
    const filled = foreignKeyViolationsSql(models(written.filter(bulk)), synced);
    const probed = foreignKeyViolationsSql(models(written.filter((r) => !bulk(r))), synced);
    const violations: ForeignKeyViolation[] = [];
    if (filled) {
      await ctx.runner.query(`SET LOCAL enable_nestloop = off`);
      violations.push(...((await ctx.runner.query(filled)) as ForeignKeyViolation[]));
      await ctx.runner.query(`RESET enable_nestloop`);
    }
    if (probed) violations.push(...((await ctx.runner.query(probed)) as ForeignKeyViolation[]));
    const [violation] = violations;
    if (violation) {
      throw AppError.of(
        'ERR_APPLY_FAILED',
        `applying the peer's data failed (23503): insert or update on table "${violation.table_name}" violates a foreign key to "${violation.parent}" — Key (${violation.columns})=${violation.value} is not present in table "${violation.parent}".`,
      );
    }
  }

  /**
   * Every staged table into its typed temp table (rowsTable), before any table is applied:
   * PostgreSQL's COPY into typed columns checks every value, so a malformed page fails the pull
   * (ERR_MALFORMED_PAGE) before anything changed. COPY pages go straight in; JSON pages through a
   * stage table of documents and json_to_recordset.
   */
  private async loadRows(ctx: ApplyContext): Promise<void> {
    // Tables the fetch already loaded (ApplyPreload) are in their temp tables.
    const models = this.catalog.tables().filter((model) => ctx.staging.hasPages(model.table) && !ctx.preloaded?.has(model.table));
    const create = this.typedTablesSql(ctx.staging, models);
    if (create.length > 0) await ctx.runner.query(create.join('; '));
    for (const model of models) {
      if (ctx.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
      const started = performance.now();
      await this.loadTable(ctx.runner, ctx.staging, model, { emptyTarget: ctx.emptyTables?.has(model.table), created: true });
      ctx.onTableLoaded?.(ctx.staging.copyRows(model.table), performance.now() - started);
    }
  }

  /**
   * The CREATE statements of the typed temp tables of the given tables staged as COPY pages, to be
   * sent in ONE round trip (they take no parameters) before their loads (`loadTable`, `created`):
   * a small pull stages a few rows in each of ~30 tables, and a round trip per table cost more
   * than the statements. `session`: tables that outlive the transaction (ApplyPreload).
   */
  typedTablesSql(staging: StagingArea, models: readonly TableModel[], options: { session?: boolean } = {}): string[] {
    return models
      .filter((model) => staging.copyColumns(model.table))
      .map((model) => typedTableSql(model, rowsTable(model), options.session ? 'session' : 'transaction'));
  }

  /**
   * One staged table into its typed temp table, and ANALYZE. `session`: before the apply's
   * transaction (ApplyPreload, while other feeds are still fetched), in a transaction of its own on
   * the apply's connection; the temp table then lives for the session (until applied, or DISCARD
   * TEMP), not just the transaction. Only COPY pages are loaded so; answers whether it loaded.
   */
  async loadTable(runner: QueryRunner, staging: StagingArea, model: TableModel, options: { session?: boolean; emptyTarget?: boolean; created?: boolean } = {}): Promise<boolean> {
    const rows = rowsTable(model);
    const columns = staging.copyColumns(model.table);
    if (options.session && !columns) return false;
    let copied: number | undefined;
    try {
      if (columns) {
        // `created`: the caller sent the CREATE with others (typedTablesSql).
        if (!options.created) await runner.query(this.typedTablesSql(staging, [model], options)[0]);
        copied = await copyStagedFile(runner, `COPY ${rows} (${columns.map(q).join(', ')}) FROM STDIN`, staging.copyFile(model.table));
        const announced = staging.copyRows(model.table);
        if (copied !== announced) throw AppError.of('ERR_MALFORMED_PAGE', `malformed page from the peer: ${model.table} has ${copied} rows, its pages announced ${announced}`);
      } else {
        const stage = `_s_${model.applyOrder}`;
        await runner.query(stageTableSql(stage));
        await copyStagedFile(runner, `COPY ${stage} (doc) FROM STDIN`, staging.pageFile(model.table));
        await runner.query(typedRowsSql(model, stage, rows));
        await runner.query(`DROP TABLE ${stage}`);
      }
    } catch (error) {
      throw malformedValues(error, model.table);
    }
    // Temp tables get no automatic statistics; the merge's joins plan on these. Not for a table
    // with nothing to merge (an empty target, known once the apply holds its lock), nor for a few
    // rows: the planner estimates a table never analyzed from its size, and joins on the key need no more.
    if (!options.emptyTarget && (copied === undefined || copied >= ANALYZE_MIN_ROWS)) await runner.query(`ANALYZE ${rows}`);
    return true;
  }

  /** Applies the incoming tombstones and rows of the given tables, in the given order. */
  async applyTables(ctx: ApplyContext, tables: string[]): Promise<TableResult[]> {
    const results: TableResult[] = [];
    for (const name of tables) {
      if (ctx.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
      const { result, queued } = await this.applyTable(ctx, this.catalog.table(name));
      results.push(result);
      // A queued table's result is filled (and reported) when the queue is flushed.
      if (!queued) ctx.onTableApplied?.(result);
    }
    return results;
  }

  /**
   * Runs the row statements queued by applyTables (rows-batch.ts) in one round trip, filling their
   * results. The caller flushes once every table is applied, before anything reads what they wrote.
   */
  async flushRows(ctx: ApplyContext): Promise<void> {
    await ctx.rowsBatch?.flush(ctx.runner, ctx);
  }

  private async applyTable(ctx: ApplyContext, model: TableModel): Promise<{ result: TableResult; queued: boolean }> {
    const result = emptyTableResult(model.table);
    const conflictParams = [ctx.syncLogId, ctx.peerRegistryId, ctx.lastApplyXid];
    const one = async (sql: string, params: unknown[] = []) => ((await ctx.runner.query(sql, params)) as Record<string, number>[])[0];

    const state = ctx.tombstoneState!;
    const localTombstones = state.local.has(model.table);
    // Nothing here to merge with: no row when the apply locked the table (only this step writes it), no tombstone.
    const emptyTarget = !localTombstones && (ctx.emptyTables?.has(model.table) ?? false);
    // Deletes first: a key deleted at the source is not kept alive by an older copy here.
    const tombstones = state.incoming.get(model.table) ?? 0;
    // Rows alone (the common small pull): their statements wait in the queue, sent with the next
    // tables' in one round trip; anything else runs after what is queued, in the apply order.
    const simple = tombstones === 0 && !localTombstones && !ctx.fullResyncOrigin;
    if (simple && !ctx.staging.hasPages(model.table)) return { result, queued: false };
    const batched = simple && batchableTable(ctx, model);
    if (!batched) await this.flushRows(ctx);
    if (tombstones > 0) {
      result.tombstonesReceived = tombstones;
      const applied = await withRiTriggers(ctx, () => one(applyTombstonesSql(model), conflictParams));
      result.skippedFuture += applied.future;
      result.conflicts += applied.future + applied.conflicts;
      result.deleted = applied.deleted;
      await ctx.runner.query(recordTombstonesSql(model), [ctx.peerProtocolId]);
    }

    if (!ctx.staging.hasPages(model.table)) {
      if (ctx.fullResyncOrigin && !emptyTarget) result.deleted += (await withRiTriggers(ctx, () => one(deleteGoneAtOriginSql(model, null), [ctx.fullResyncOrigin]))).n;
      return { result, queued: false };
    }
    const rows = rowsTable(model);
    const parents = this.checkedParents(model, state.local);
    const staged = ctx.staging.copyColumns(model.table) ? ctx.staging.copyRows(model.table) : undefined;
    const probe = staged !== undefined && staged <= PROBE_MAX_ROWS;
    const rowsSql = applyRowsSql(model, rows, { parents, localTombstones, emptyTarget, probe });
    if (batched) {
      // The natural-key archives run whatever was written: without a row of this transaction they find none.
      const statements = [rowsSql, ...(model.naturalKeys ?? []).map((key) => archiveNaturalKeyCollisionsSql(model, rows, key))];
      const batch = (ctx.rowsBatch ??= new RowsBatch());
      if (!batch.fits(staged ?? 0)) await this.flushRows(ctx);
      batch.add(
        result,
        statements.map((sql) => inlineParams(sql, ctx.inlinedParams!)),
        staged ?? 0,
      );
      return { result, queued: true };
    }
    await this.applyRows(ctx, model, rows, rowsSql, localTombstones, result);
    // An empty table holds only rows of the window now: none is gone at the origin.
    if (ctx.fullResyncOrigin && !emptyTarget) result.deleted += (await withRiTriggers(ctx, () => one(deleteGoneAtOriginSql(model, rows), [ctx.fullResyncOrigin]))).n;
    // The temp table goes at the commit (ON COMMIT DROP): no statement for it here.
    return { result, queued: false };
  }

  /**
   * The rows of one table staged in `rows`, applied by `rowsSql` (applyRowsSql) into `result`, then
   * the natural-key collisions they made and, where the table has tombstones, the deletes they undo.
   * (Also for the rows that waited for a parent: AfterTables.)
   */
  async applyRows(ctx: ApplyContext, model: TableModel, rows: string, rowsSql: string, localTombstones: boolean, result: TableResult): Promise<void> {
    const conflictParams = [ctx.syncLogId, ctx.peerRegistryId, ctx.lastApplyXid];
    const affected = async (sql: string, params: unknown[]) => ((await ctx.runner.query(sql, params, true)) as { affected?: number }).affected ?? 0;
    const hashes = [...ctx.fileLocators.keys()];
    const locals = [localNodeUuid(this.config.node.nodeId), ctx.peerProtocolId, hashes, hashes.map((h) => ctx.fileLocators.get(h))];
    fillRowsResult(result, ((await ctx.runner.query(rowsSql, [...conflictParams, ...locals])) as RowsCounts[])[0], ctx);
    if (result.inserted + result.updated > 0) {
      for (const naturalKey of model.naturalKeys ?? []) {
        result.conflicts += await affected(archiveNaturalKeyCollisionsSql(model, rows, naturalKey), [ctx.syncLogId, ctx.peerRegistryId]);
      }
    }
    if (localTombstones) {
      result.conflicts += await affected(archiveRevivedSql(model, rows), conflictParams);
      await ctx.runner.query(reviveSql(model, rows));
    }
  }

  /**
   * Foreign keys whose parents are applied before this table (or are this table) and of which this
   * node deleted rows: their presence is checked row by row. A parent table without tombstones has
   * every parent the consistent window refers to. Back-edges of a cycle and node-local columns are
   * left to the deferred constraint check at commit.
   */
  private checkedParents(model: TableModel, tablesWithTombstones: Set<string>) {
    return presentParents(this.catalog, model).filter(
      (fk) => tablesWithTombstones.has(fk.referencedTable) && this.catalog.table(fk.referencedTable).applyOrder <= model.applyOrder,
    );
  }
}

/**
 * Incoming rows from which a temp table is analyzed before it is merged (below, the planner's size
 * estimate serves), and from which a filled empty table's foreign keys are checked by hash anti-joins.
 */
const ANALYZE_MIN_ROWS = 10_000;

/**
 * Incoming rows of a table up to which the conflict check looks each one's local row up by key
 * (archiveRowConflictsSql `probe`) rather than scanning the table: a probe costs ~3 µs, a scanned
 * row ~0.1 µs, so below this the probes win on any table of a size where the scan matters.
 */
const PROBE_MAX_ROWS = 5_000;

/** The typed temp table of a table's incoming rows. */
const rowsTable = (model: TableModel) => `_r_${model.applyOrder}`;
