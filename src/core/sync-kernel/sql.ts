import { ColumnModel, sqlType, TableModel } from './table-model';
import { CHANGE_COLUMN } from './aggregate-spec';

/**
 * SQL fragments built from table models. Identifiers come from TypeORM metadata (never from
 * requests) and are quoted anyway.
 */
export const q = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** The UTC ISO-8601 text form with microseconds that every node emits for timestamps. */
/** This transaction's xid: the change stamp of a row it writes (as prism_stamp_row() sets it). */
export const THIS_XACT = 'pg_current_xact_id()::text::bigint';

export const TIMESTAMP_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * A timestamp as that text. Every value the column can hold survives: a year before 1 gets " BC"
 * (to_char drops the era), and ±infinity (NULL from to_char) is 'infinity' / '-infinity';
 * PostgreSQL reads all of them back.
 */
export function timestampText(expression: string): string {
  return `coalesce(to_char(${expression} AT TIME ZONE 'UTC', ${TIMESTAMP_FORMAT}) || CASE WHEN ${expression} < '0001-01-01T00:00:00Z'::timestamptz THEN ' BC' ELSE '' END, (${expression})::text)`;
}

/** Columns that travel on the wire: everything but the local change stamp. */
export function wireColumns(model: TableModel): ColumnModel[] {
  return model.columns.filter((c) => c.column !== CHANGE_COLUMN);
}

/** A column as a JSON value expression (timestamps as text so microseconds survive). */
export function wireValue(alias: string, column: ColumnModel): string {
  const ref = `${alias}.${q(column.column)}`;
  return column.type === 'timestamp with time zone' ? timestampText(ref) : ref;
}

/**
 * `json_build_object('prop', value, …)` for a row; split into jsonb parts merged with `||` when a
 * table has more columns than one call accepts (100 arguments).
 */
export function jsonObject(alias: string, columns: ColumnModel[], extra: [string, string][] = [], value = wireValue): string {
  const pairs: [string, string][] = [...columns.map((c) => [c.property, value(alias, c)] as [string, string]), ...extra];
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) {
    const args = pairs.slice(i, i + 50).map(([k, v]) => `'${k.replace(/'/g, "''")}', ${v}`);
    chunks.push(`jsonb_build_object(${args.join(', ')})`);
  }
  return chunks.length === 1 ? chunks[0] : `(${chunks.join(' || ')})`;
}

/** Column definitions for `jsonb_to_recordset(...) AS r(<these>)`: wire names, table types. */
export function recordsetDefinition(columns: ColumnModel[]): string {
  return columns.map((c) => `${q(c.property)} ${sqlType(c)}`).join(', ');
}

/**
 * The change feed's filter: rows written by transactions that the previous window's snapshot did
 * not see. `snapshot` is a pg_snapshot text parameter (xmin:xmax:xip-list): the range bound on
 * its xmin keeps the (change_xid, pk) index in use, and pg_visible_in_snapshot drops what the
 * previous window already delivered — so a transaction that stayed open elsewhere on the server
 * (which holds xmin back) no longer makes the next pull deliver everything after it again, and a
 * late commit is still delivered exactly once.
 */
export function changedSince(changeXid: string, snapshot: string): string {
  return `(${changeXid} >= pg_snapshot_xmin(${snapshot}::pg_snapshot)::text::bigint AND NOT pg_visible_in_snapshot(${changeXid}::text::xid8, ${snapshot}::pg_snapshot))`;
}

/** The pg_snapshot that sees nothing: a first (full) pull. */
export const EMPTY_SNAPSHOT = '1:1:';

/** pg_snapshot text as PostgreSQL prints it. */
export const isSnapshotText = (s: unknown): s is string => typeof s === 'string' && s.length <= 100_000 && /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/.test(s);

export function keyColumns(model: TableModel): ColumnModel[] {
  return model.key.map((k) => {
    const column = model.columns.find((c) => c.column === k);
    if (!column) throw new Error(`table ${model.table}: key column ${k} not in model`);
    return column;
  });
}

