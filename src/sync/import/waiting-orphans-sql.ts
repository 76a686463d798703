import { ForeignKeyModel, TableModel } from '../../core/sync-kernel/table-model';
import { incomingRowKey, parentsPresent } from './import-sql';

/**
 * The rows of a peer a pull refused because this node had deleted their parent (archived
 * `missing_parent` by archiveOrphansSql) wait in sync_conflicts; once their parents are here again
 * a pull from that peer applies them (AfterTables.applyWaitingOrphans, after-tables.ts) and settles them.
 */

/** Tables with rows of this peer that wait for a parent this node had deleted (archiveOrphansSql). Param: $1 peer id. */
export const WAITING_ORPHAN_TABLES_SQL = `SELECT DISTINCT table_name FROM sync_conflicts WHERE rule = 'missing_parent' AND restored_at IS NULL AND remote_node_id = $1::uuid`;

const waitingOrphans = (model: TableModel) =>
  `c.rule = 'missing_parent' AND c.restored_at IS NULL AND c.remote_node_id = $1::uuid AND c.table_name = '${model.table}'`;

/**
 * Into `rows` (a typed temp table of `model`, typedTableSql): the latest waiting version of each
 * key of this peer whose checked parents (`foreignKeys`) are here now. Param: $1 peer id.
 */
export function stageWaitingOrphansSql(model: TableModel, rows: string, foreignKeys: ForeignKeyModel[]): string {
  return `INSERT INTO ${rows}
SELECT w.* FROM (SELECT DISTINCT ON (c.row_key) c.remote_version FROM sync_conflicts c WHERE ${waitingOrphans(model)} ORDER BY c.row_key, c.created_at DESC) v
CROSS JOIN LATERAL jsonb_populate_record(NULL::${rows}, v.remote_version) w
WHERE ${parentsPresent(model, foreignKeys, 'w', rows)}`;
}

/** The waiting rows staged in `rows` are settled: applied by the rules of any incoming row. Param: $1 peer id. */
export function settleWaitingOrphansSql(model: TableModel, rows: string): string {
  return `UPDATE sync_conflicts c SET restored_at = clock_timestamp(), restored_by = 'sync: parent present again'
WHERE ${waitingOrphans(model)} AND c.row_key IN (SELECT ${incomingRowKey(model, 'r')} FROM ${rows} r)`;
}
