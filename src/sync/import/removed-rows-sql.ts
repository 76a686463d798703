import { TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, keyColumns, q, wireColumns } from '../../core/sync-kernel/sql';

/**
 * The apply's record of removed rows (filled by prism_tombstone() in sync-apply mode): every row
 * the pull removes, directly or by a cascade, that changed locally since the last pull from the
 * peer (`prism.archive_removed_since`). Param: $1 last apply xid of this peer.
 */
export const REMOVED_ROWS_TABLE_SQL = `CREATE TEMP TABLE prism_removed_rows (table_name text NOT NULL, row_key jsonb NOT NULL, row_data jsonb NOT NULL) ON COMMIT DROP`;
export const ARCHIVE_REMOVED_SINCE_SQL = `SELECT set_config('prism.archive_removed_since', $1::bigint::text, true)`;

/** Tables of which the pull removed locally changed rows. */
export const REMOVED_ROW_TABLES_SQL = `SELECT DISTINCT table_name FROM prism_removed_rows`;

/**
 * Archives the locally changed rows of `model` the pull removed without archiving them yet: the
 * children an incoming parent delete cascaded to (`parent_deleted`, remote version names the
 * parent table whose row is gone). Rows archived earlier in this pull (delete_vs_update, the NO
 * ACTION children) and keys alive again are skipped. The row type is schema-qualified: unqualified,
 * the table "record" would name the pseudo-type. Params: $1 sync log id, $2 peer id.
 */
export function archiveRemovedRowsSql(model: TableModel): string {
  const gone = model.foreignKeys.filter((fk) => fk.columns.length > 0);
  const missing = gone.map((fk) => {
    const match = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = gone.${q(c)}`).join(' AND ');
    return `WHEN NOT EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${match}) THEN '${fk.referencedTable}'`;
  });
  const parent = missing.length ? `CASE ${missing.join(' ')} END` : 'NULL';
  const alive = keyColumns(model)
    .map((k) => `t.${q(k.column)} = gone.${q(k.column)}`)
    .join(' AND ');
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', r.row_key, ${jsonObject('gone', wireColumns(model))},
  jsonb_build_object('deletedWithParent', ${parent}), 'remote', 'parent_deleted', clock_timestamp()
FROM prism_removed_rows r CROSS JOIN LATERAL jsonb_populate_record(NULL::public.${q(model.table)}, r.row_data) AS gone
WHERE r.table_name = '${model.table}'
  AND NOT EXISTS (SELECT 1 FROM sync_conflicts c WHERE c.sync_log_id = $1::uuid AND c.table_name = '${model.table}' AND c.row_key = r.row_key)
  AND NOT EXISTS (SELECT 1 FROM ${q(model.table)} t WHERE ${alive})`;
}
