import { ColumnModel, sqlType, TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, keyColumns, q, recordsetDefinition, wireColumns } from '../../core/sync-kernel/sql';

/**
 * SQL of a conflict restore, built from the table model (never from request text). A restore is a
 * plain local write: the change-tracking trigger stamps it now, so it wins everywhere by the
 * ordinary newer-wins rule, and a delete leaves the ordinary tombstone.
 */

/** `t.<key> = $<first>::type AND …`, parameters in key order. */
function keyWhere(model: TableModel, first: number): string {
  return keyColumns(model)
    .map((k, i) => `t.${q(k.column)} = $${first + i}::${sqlType(k)}`)
    .join(' AND ');
}

/** The current row (wire JSON), locked; $1… its key; $n+1 the updatedAt the winning version had. */
export function currentRowSql(model: TableModel): string {
  const n = model.key.length;
  return `SELECT ${jsonObject('t', wireColumns(model))} AS row, t.updated_at = $${n + 1}::timestamptz AS unchanged
FROM ${q(model.table)} t WHERE ${keyWhere(model, 1)} FOR UPDATE`;
}

/** Columns the restore writes: the row's own data; change stamps stay the trigger's. */
function restoredColumns(model: TableModel): ColumnModel[] {
  return wireColumns(model).filter((c) => c.column !== 'updated_at' && c.column !== 'change_xid');
}

/**
 * Writes a version back. Params: $1 the version (wire JSON), $2 this node's id (node-local id
 * columns), $3 the local locator of the row's file ('' when none). On an existing row only the
 * data columns change (origin and creation stay).
 */
export function restoreRowSql(model: TableModel): string {
  const columns = restoredColumns(model);
  const value = (c: ColumnModel): string => {
    if (c.local === 'localNodeId') return `p.local_node_id`;
    if (c.local === 'fileLocator') return `p.locator::${sqlType(c)}`;
    return `r.${q(c.property)}`;
  };
  const updatable = columns.filter((c) => !c.primary && c.column !== 'created_at' && c.column !== 'origin_node_id');
  // The params CTE types every parameter, also those a table without local columns does not use.
  return `WITH p AS (SELECT $2::uuid AS local_node_id, $3::text AS locator)
INSERT INTO ${q(model.table)} AS t (${columns.map((c) => q(c.column)).join(', ')})
SELECT ${columns.map(value).join(', ')} FROM jsonb_to_record($1::jsonb) AS r(${recordsetDefinition(columns)}) CROSS JOIN p
ON CONFLICT (${model.key.map(q).join(', ')}) DO UPDATE SET ${updatable.map((c) => `${q(c.column)} = EXCLUDED.${q(c.column)}`).join(', ')}`;
}

/** Deletes the row; the trigger records the tombstone. Params: the key. */
export function deleteRowSql(model: TableModel): string {
  return `DELETE FROM ${q(model.table)} t WHERE ${keyWhere(model, 1)}`;
}
