import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { applyRowsSql, archiveRemovedRowsSql, deleteDanglingChildrenSql, REMOVED_ROW_TABLES_SQL, typedTableSql } from './import-sql';
import { settleWaitingOrphansSql, stageWaitingOrphansSql, WAITING_ORPHAN_TABLES_SQL } from './waiting-orphans-sql';
import { ApplyContext, emptyTableResult, TableResult } from './import.types';

/** What the steps after every table need of the import engine (ImportEngine): its row statements. */
export interface RowsApplier {
  /** Runs the row statements the engine queued, before anything reads what they wrote. */
  flushRows(ctx: ApplyContext): Promise<void>;
  /** The rows of one table staged in `rows`, applied by `rowsSql` into `result` (ImportEngine.applyRows). */
  applyRows(ctx: ApplyContext, model: TableModel, rows: string, rowsSql: string, localTombstones: boolean, result: TableResult): Promise<void>;
}

/**
 * The apply's steps once every table is in, inside the same transaction (ApplyStep runs them in
 * this order): the rows that waited for a parent this node had deleted, the children of rows a
 * tombstone deleted, and the archive of what the deletes removed. Each answers what it changed per
 * table; the caller adds it to the tables' results.
 */
export class AfterTables {
  constructor(
    private readonly catalog: SyncCatalog,
    private readonly engine: RowsApplier,
  ) {}

  /**
   * The rows of this peer a pull refused because this node had deleted their parent (archived
   * `missing_parent`) whose parents are here again — a newer version of the parent came back — are
   * applied by the rules of any incoming row, and settled. The peer never sends them again (they
   * did not change), so without this the two nodes would differ for good. Rows of tables with files
   * wait on (their files are not here).
   */
  async applyWaitingOrphans(ctx: ApplyContext, results: TableResult[]): Promise<void> {
    if (ctx.staging.isEmpty) return;
    await this.engine.flushRows(ctx);
    const waiting = new Set(((await ctx.runner.query(WAITING_ORPHAN_TABLES_SQL, [ctx.peerRegistryId])) as { table_name: string }[]).map((w) => w.table_name));
    for (const model of this.catalog.tables()) {
      if (!waiting.has(model.table) || model.files) continue;
      const rows = `_w_${model.applyOrder}`;
      await ctx.runner.query(typedTableSql(model, rows));
      const staged = ((await ctx.runner.query(stageWaitingOrphansSql(model, rows, presentParents(this.catalog, model)), [ctx.peerRegistryId], true)) as { affected?: number }).affected ?? 0;
      if (staged > 0) {
        const applied = emptyTableResult(model.table);
        await this.engine.applyRows(ctx, model, rows, applyRowsSql(model, rows, { parents: [], localTombstones: true, emptyTarget: false, probe: true }), true, applied);
        await ctx.runner.query(settleWaitingOrphansSql(model, rows), [ctx.peerRegistryId]);
        const result = results.find((r) => r.table === model.table)!;
        result.inserted += applied.inserted;
        result.updated += applied.updated;
        result.conflicts += applied.conflicts;
      }
      await ctx.runner.query(`DROP TABLE ${rows}`);
    }
  }

  /**
   * Rows whose NO ACTION parent a tombstone of this pull deleted go too (the delete of a parent
   * wins for its children), in dependency order so grandchildren follow. Returns the rows removed
   * per table. Runs only when the pull deleted something.
   */
  async removeDanglingChildren(ctx: ApplyContext, results: TableResult[]): Promise<Map<string, number>> {
    await this.engine.flushRows(ctx);
    const touched = new Set(results.filter((r) => r.deleted > 0).map((r) => r.table));
    const removed = new Map<string, number>();
    if (touched.size === 0) return removed;
    await withRiTriggers(ctx, () => this.deleteDanglingChildren(ctx, touched, removed));
    return removed;
  }

  private async deleteDanglingChildren(ctx: ApplyContext, touched: Set<string>, removed: Map<string, number>): Promise<void> {
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
      const result = (await ctx.runner.query(archiveRemovedRowsSql(this.catalog.table(table_name)), [ctx.syncLogId, ctx.peerRegistryId, ctx.lastApplyXid], true)) as { affected?: number };
      if (result.affected) archived.set(table_name, result.affected);
    }
    return archived;
  }
}

/** Runs deletes with the RI triggers on (cascades, SET NULL, deferred NO ACTION checks), in replica mode too (ImportEngine.begin). */
export async function withRiTriggers<T>(ctx: ApplyContext, work: () => Promise<T>): Promise<T> {
  if (!ctx.replicaWrites) return work();
  await ctx.runner.query(`SET LOCAL session_replication_role = origin`);
  const result = await work();
  await ctx.runner.query(`SET LOCAL session_replication_role = replica`);
  return result;
}

/** Foreign keys of `model` to synced tables, through columns that travel: the parents a row of a peer needs here. */
export function presentParents(catalog: SyncCatalog, model: TableModel) {
  return model.foreignKeys.filter((fk) => catalog.hasTable(fk.referencedTable) && !fk.columns.some((c) => model.columns.find((col) => col.column === c)?.local));
}
