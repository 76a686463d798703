import { ColumnModel, sqlType, TableModel } from '../../core/sync-kernel/table-model';
import { q, THIS_XACT } from '../../core/sync-kernel/sql';

/**
 * The value the apply's upsert writes into a column of an incoming row `r` (its params: $4 local
 * node id, $5 the peer's protocol id, $6/$7 file hashes and their local locators). Node-local
 * columns are filled here: the local node id, the locator of the row's file.
 */
export function writtenValue(model: TableModel, c: ColumnModel): string {
  if (c.local === 'localNodeId') return `$4::uuid`;
  if (c.local === 'fileLocator' && model.files) {
    // Where this node stored the file the row's hash names ('' when it has none).
    return `coalesce((SELECT u.url FROM unnest($6::text[], $7::text[]) AS u(sha, url) WHERE u.sha = r.${q(model.files.hash.property)}), '')::${sqlType(c)}`;
  }
  if (c.column === 'origin_node_id') return `coalesce(r.${q(c.property)}, $5)`;
  if (c.column === 'created_at') return `coalesce(r.${q(c.property)}, r."updatedAt", clock_timestamp())`;
  if (c.column === 'updated_at') return `coalesce(r.${q(c.property)}, clock_timestamp())`;
  return `r.${q(c.property)}`;
}

/**
 * The incoming rows whose foreign keys the set-based check before the commit must see (ImportEngine.finish):
 * those without a local row (inserts), those whose local row this transaction wrote already, and
 * those that would change a foreign key column. An update that keeps its keys cannot lose a parent
 * (the committed row had them, and parents are only deleted with the RI triggers on), so, as
 * PostgreSQL's own RI trigger does, it is not checked: a 1 % change pull of 1M rows updates ~10,000
 * rows and changes none of their keys, and checking their ~20,000 parents cost ~110 ms. A superset
 * (rows the upsert will not write count too). Null when the table has no foreign key. Sees the
 * table as it was before the statement (a CTE of applyRowsSql); each row's local row is looked up
 * by key, for few rows (archiveRowConflictsSql `probe`, which read the same pages just before).
 */
export function keysToCheckSql(model: TableModel, rows: string): string | null {
  const fkColumns = [...new Set(model.foreignKeys.flatMap((fk) => fk.columns))].map((name) => model.columns.find((c) => c.column === name)!);
  if (fkColumns.length === 0) return null;
  const key = model.key.map((k) => `t.${q(k)} = r.${q(model.columns.find((c) => c.column === k)!.property)}`).join(' AND ');
  const local = [`change_xid`, ...fkColumns.map((c) => q(c.column))].map((c) => `t.${c}`).join(', ');
  // OFFSET 0 keeps the sub-select apart, so it runs once per incoming row, by key.
  const target = `LATERAL (SELECT ${local} FROM ${q(model.table)} t WHERE ${key} OFFSET 0) t ON TRUE`;
  const changed = fkColumns.map((c) => `t.${q(c.column)} IS DISTINCT FROM ${writtenValue(model, c)}`).join(' OR ');
  return `SELECT 1 FROM ${rows} r LEFT JOIN ${target}
WHERE t.change_xid IS NULL OR t.change_xid = ${THIS_XACT} OR ${changed}`;
}
