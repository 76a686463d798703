import { TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, keyColumns, q, THIS_XACT, wireColumns } from '../../core/sync-kernel/sql';

/**
 * The apply's record of removed rows (filled by prism_tombstone() in sync-apply mode): every row
 * the pull removes, directly or by a cascade, that changed locally since the last pull from the
 * peer (`prism.archive_removed_since`). Param: $1 last apply xid of this peer.
 */
export const REMOVED_ROWS_TABLE_SQL = `CREATE TEMP TABLE prism_removed_rows (table_name text NOT NULL, row_key jsonb NOT NULL, row_data jsonb NOT NULL) ON COMMIT DROP`;
export const ARCHIVE_REMOVED_SINCE_SQL = `SELECT set_config('prism.archive_removed_since', $1::bigint::text, true)`;

/**
 * The oldest incoming delete of the pull (`prism.archive_removed_after`): prism_tombstone() also
 * captures a removed row stamped after it, which may be newer than the delete that removed it (a
 * cascade) even when it changed before the last pull. Runs once the tombstones are typed (_tombstones).
 */
export const ARCHIVE_REMOVED_AFTER_SQL = `SELECT set_config('prism.archive_removed_after', coalesce((SELECT min(deleted_at) FROM _tombstones)::text, ''), true)`;

/** Tables of which the pull removed locally changed rows. */
export const REMOVED_ROW_TABLES_SQL = `SELECT DISTINCT table_name FROM prism_removed_rows`;

/**
 * Archives the rows of `model` the pull removed without archiving them yet that changed locally
 * since the last pull from the peer, or that are newer than the delete that removed them — their own
 * incoming tombstone or their parent's, both written by this transaction (a child edited here after
 * the peer deleted its parent, which the parent's delete cascaded to): `parent_deleted`, remote
 * version names the parent table whose row is gone. Rows archived earlier in this pull
 * (delete_vs_update, the NO ACTION children) and keys alive again are skipped. The row type is
 * schema-qualified: unqualified, the table "record" would name the pseudo-type. Params: $1 sync
 * log id, $2 peer id, $3 last apply xid of this peer.
 */
export function archiveRemovedRowsSql(model: TableModel): string {
  const gone = model.foreignKeys.filter((fk) => fk.columns.length > 0);
  const missing = gone.map((fk) => {
    const match = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = gone.${q(c)}`).join(' AND ');
    return `WHEN NOT EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${match}) THEN '${fk.referencedTable}'`;
  });
  const parent = missing.length ? `CASE ${missing.join(' ')} END` : 'NULL';
  const tombstoneOf = (table: string, key: string) => `(tb.table_name = '${table}' AND tb.row_key = ${key})`;
  const deletes = [
    tombstoneOf(model.table, 'r.row_key'),
    ...gone.map((fk) => tombstoneOf(fk.referencedTable, `jsonb_build_object(${fk.columns.map((c, i) => `'${fk.referencedColumns[i]}', gone.${q(c)}`).join(', ')})`)),
  ];
  const olderDelete = `EXISTS (SELECT 1 FROM tombstones tb WHERE tb.change_xid = ${THIS_XACT} AND tb.deleted_at < gone.updated_at AND (${deletes.join(' OR ')}))`;
  const alive = keyColumns(model)
    .map((k) => `t.${q(k.column)} = gone.${q(k.column)}`)
    .join(' AND ');
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', r.row_key, ${jsonObject('gone', wireColumns(model))},
  jsonb_build_object('deletedWithParent', ${parent}), 'remote', 'parent_deleted', clock_timestamp()
FROM prism_removed_rows r CROSS JOIN LATERAL jsonb_populate_record(NULL::public.${q(model.table)}, r.row_data) AS gone
WHERE r.table_name = '${model.table}' AND (gone.change_xid > $3::bigint OR ${olderDelete})
  AND NOT EXISTS (SELECT 1 FROM sync_conflicts c WHERE c.sync_log_id = $1::uuid AND c.table_name = '${model.table}' AND c.row_key = r.row_key)
  AND NOT EXISTS (SELECT 1 FROM ${q(model.table)} t WHERE ${alive})`;
}
