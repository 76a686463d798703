import { ChildSpec } from '../../core/sync-kernel/aggregate-spec';
import { ColumnModel, sqlType, TableModel } from '../../core/sync-kernel/table-model';
import { changedSince, jsonObject, keyColumns, q, timestampText, wireColumns, wireValue } from '../../core/sync-kernel/sql';

/**
 * SQL of the export side, built from table models. Window reads: rows changed since the previous
 * window's snapshot ($1, see changedSince), keyset-paged by (change_xid, primary key) — the index
 * every synced table has.
 */

/**
 * The first `$2` rows of a table's window after a position, keyset-ordered by (change_xid, key) as
 * `_x, _k0…`, plus `extra` select items. Parameters: $1 from-snapshot, $2 limit, then (when
 * `after`) $3 after-xid and $4… after-key values.
 */
function windowPageCte(model: TableModel, after: boolean, extra: string): string {
  const keys = keyColumns(model);
  const order = ['t.change_xid', ...keys.map((k) => `t.${q(k.column)}`)].join(', ');
  const keyset = after
    ? ` AND (t.change_xid, ${keys.map((k) => `t.${q(k.column)}`).join(', ')}) > ($3::bigint, ${keys
        .map((k, i) => `$${i + 4}::${sqlType(k)}`)
        .join(', ')})`
    : '';
  return `WITH page AS (
  SELECT t.change_xid AS _x, ${keys.map((k, i) => `t.${q(k.column)} AS _k${i}`).join(', ')}${extra}
  FROM ${q(model.table)} t
  WHERE ${changedSince('t.change_xid', '$1')}${keyset}
  ORDER BY ${order}
  LIMIT $2
)`;
}

/** The page's last position as a JSON array of text: [change_xid, key values…]. */
function lastPosition(model: TableModel): string {
  const keys = keyColumns(model);
  return `(array_agg(json_build_array(_x::text, ${keys.map((_, i) => `_k${i}::text`).join(', ')}) ORDER BY _x DESC, ${keys.map((_, i) => `_k${i} DESC`).join(', ')}))[1]::text AS last`;
}

/** A JSON window page: rows as JSON text, their count and the last position. Parameters as windowPageCte. */
export function windowPageSql(model: TableModel, after: boolean): string {
  const keys = keyColumns(model);
  // One pass over the page (the CTE is referenced once, so it is inlined, never spilled).
  return `${windowPageCte(model, after, `, ${pageRowJson('t', model)} AS _j`)}
SELECT coalesce(json_agg(_j ORDER BY _x, ${keys.map((_, i) => `_k${i}`).join(', ')}), '[]')::text AS rows,
  count(*)::int AS n,
  ${lastPosition(model)}
FROM page`;
}

/**
 * The bounds of a streamed window page: how many rows and the last position, read from the
 * (change_xid, key) index alone, so the rows themselves are read once, by windowCopySql.
 * Parameters as windowPageCte.
 */
export function windowPageBoundsSql(model: TableModel, after: boolean): string {
  const keys = keyColumns(model);
  // The page is referenced twice, so it is materialized once (keys only); the last position is a
  // top-1 of it. Aggregating every row's position and sorting them (lastPosition) cost ~4× more
  // than the index scan itself: ~90 of 100 ms for a page of 5,000 rows.
  return `${windowPageCte(model, after, '')}
SELECT (SELECT count(*)::int FROM page) AS n,
  (SELECT json_build_array(_x::text, ${keys.map((_, i) => `_k${i}::text`).join(', ')})::text FROM page
   ORDER BY _x DESC, ${keys.map((_, i) => `_k${i} DESC`).join(', ')} LIMIT 1) AS last`;
}

/**
 * windowPageBoundsSql of the first page of each table, in ONE statement: a row (table_name, n,
 * last) per table. A batch of small feeds reads them up front instead of one round trip per table
 * (page-batch.ts). Parameters: $1 from-snapshot, $2 limit.
 */
export function firstPageBoundsSql(models: TableModel[]): string {
  return models.map((model) => `SELECT '${model.table}' AS table_name, b.n, b.last FROM (${windowPageBoundsSql(model, false)}) b`).join('\nUNION ALL\n');
}

/** A window position as the keyset compares it: change_xid and key values (text). */
export interface WindowPosition {
  x: string;
  k: string[];
}

/**
 * Session settings under which COPY text is the same on every node: PostgreSQL's own output of
 * every type, timestamps in UTC with microseconds (`BC` and ±infinity kept), ISO dates, shortest
 * exact floats. Run inside the page's transaction (local to it).
 */
export const COPY_SESSION_SQL = `SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),
  set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '1', true)`;

/**
 * The rows of a window page as COPY text, the wire columns in wireColumns order: the rows after
 * `after` (none: from the start) up to and including `last` — exactly those windowPageBoundsSql
 * counted, in the same snapshot; `last` null: to the table's end (a first page known to hold the
 * table's whole window). COPY takes no parameters, so the values are literals, quoted by
 * `literal` (the driver's escapeLiteral) and cast to their column types.
 */
export function windowCopySql(model: TableModel, from: string, after: WindowPosition | null, last: WindowPosition | null, literal: (value: string) => string): string {
  const keys = keyColumns(model);
  const row = `(t.change_xid, ${keys.map((k) => `t.${q(k.column)}`).join(', ')})`;
  const position = (p: WindowPosition) => `(${literal(p.x)}::bigint, ${keys.map((k, i) => `${literal(p.k[i])}::${sqlType(k)}`).join(', ')})`;
  const bounds = [changedSince('t.change_xid', literal(from)), ...(after ? [`${row} > ${position(after)}`] : []), ...(last ? [`${row} <= ${position(last)}`] : [])];
  return `COPY (SELECT ${wireColumns(model)
    .map((c) => `t.${q(c.column)}`)
    .join(', ')} FROM ${q(model.table)} t WHERE ${bounds.join(' AND ')}) TO STDOUT`;
}

/**
 * A window row as JSON text: json_build_object costs half of jsonb_build_object (no binary
 * document to build, no key sorting) and prints real values exactly as float4out does (jsonb goes
 * through numeric, rounded to 6 digits). Tables past 50 columns (100 arguments) use jsonObject.
 */
function pageRowJson(alias: string, model: TableModel): string {
  const columns = wireColumns(model);
  if (columns.length > 50) return jsonObject(alias, columns);
  return `json_build_object(${columns.map((c) => `'${c.property.replace(/'/g, "''")}', ${wireValue(alias, c)}`).join(', ')})`;
}

/** Tombstones of some tables in the window. Parameters: $1 from-snapshot, $2 tables, $3 limit, $4 after-xid, $5 after-id. */
export const TOMBSTONE_PAGE_SQL = `SELECT id::text, change_xid::text AS x, table_name, row_key, ${timestampText('deleted_at')} AS deleted_at, origin_node_id
FROM tombstones
WHERE ${changedSince('change_xid', '$1')} AND table_name = ANY($2::text[]) AND (change_xid, id) > ($4::bigint, $5::bigint)
ORDER BY change_xid, id
LIMIT $3`;

/**
 * TOMBSTONE_PAGE_SQL of the first tombstone page of several feeds, in ONE statement: a row per
 * tombstone with `feed`, the feed's index, each feed's tombstones ordered and limited as its own
 * page would be, at most `$3` rows in all (the feeds after the last one answered may be cut). A
 * batch of small feeds reads them up front instead of one round trip per feed (page-batch.ts).
 * Parameters: $1 from-snapshot, $2 limit per feed, $3 limit in all, $4… each feed's tables (text[]).
 */
export function firstTombstonePagesSql(feeds: number): string {
  const pages = Array.from(
    { length: feeds },
    (_, i) => `(SELECT ${i} AS feed, t.* FROM tombstones t
  WHERE ${changedSince('t.change_xid', '$1')} AND t.table_name = ANY($${i + 4}::text[]) AND (t.change_xid, t.id) > (0::bigint, 0::bigint)
  ORDER BY t.change_xid, t.id LIMIT $2)`,
  );
  return `SELECT feed, id::text, change_xid::text AS x, table_name, row_key, ${timestampText('deleted_at')} AS deleted_at, origin_node_id
FROM (${pages.join('\nUNION ALL\n')}) p
ORDER BY feed, change_xid, id
LIMIT $3`;
}

/** Rows, approximate bytes and newest updated_at of every table in the window, in one statement. Parameter: $1 from-snapshot. */
export function windowStatsSql(models: TableModel[]): string {
  return models
    .map(
      (model) => `SELECT '${model.table}' AS table_name, count(*)::bigint::text AS rows, coalesce(sum(pg_column_size(t.*)), 0)::bigint::text AS bytes,
  ${timestampText('max(t.updated_at)')} AS latest
FROM ${q(model.table)} t WHERE ${changedSince('t.change_xid', '$1')}`,
    )
    .join('\nUNION ALL\n');
}

/**
 * Whether anything changed since a cursor, without exporting a snapshot: one statement, so the
 * existence checks and `current` (the statement's own snapshot, pg_current_snapshot) see the same
 * data — when nothing changed, `current` is exactly the cursor a window opened now would give.
 * One index probe per synced table and the tombstones. With `horizonReach` (a one-row query of $1),
 * its row as JSON in `horizon` (null without one), read in that same snapshot. Parameter: $1 from-snapshot.
 */
export function windowChangedSql(models: TableModel[], databaseIdentity: string, horizonReach?: string): string {
  const probes = [...models.map((m) => q(m.table)), 'tombstones'].map((table) => `EXISTS (SELECT 1 FROM ${table} t WHERE ${changedSince('t.change_xid', '$1')})`);
  const horizon = horizonReach ? `,\n  (SELECT row_to_json(h) FROM (${horizonReach}) h) AS horizon` : '';
  return `SELECT pg_current_snapshot()::text AS current, (${databaseIdentity}) AS db,
  (${probes.join('\n    OR ')}) AS changed${horizon}`;
}

export const TOMBSTONE_STATS_SQL = `SELECT table_name, count(*)::int AS n FROM tombstones
WHERE ${changedSince('change_xid', '$1')} GROUP BY table_name`;

/**
 * A column as the reference serializes it: its jsonb columns are C# strings there, so they go as
 * JSON text (its importer reads them with GetString); the rest as on our wire.
 */
function referenceWireValue(alias: string, column: ColumnModel): string {
  return column.type === 'jsonb' ? `to_jsonb(${alias}.${q(column.column)}::text)` : wireValue(alias, column);
}

/**
 * The reference's nested JSON of a row aliased p<depth>: its columns plus each child collection
 * (or single child object) as a correlated subquery on alias p<depth+1>.
 */
function nestedObject(model: TableModel, children: ChildSpec[], models: (table: string) => TableModel, depth: number): string {
  const self = `p${depth}`;
  const extra = children.flatMap((child): [string, string][] => {
    const childModel = models(child.table);
    const alias = `p${depth + 1}`;
    const join = child.parentColumns.map((col, i) => `${alias}.${q(col)} = ${self}.${q(model.key[i])}`).join(' AND ');
    const object = nestedObject(childModel, child.children ?? [], models, depth + 1);
    const order = keyColumns(childModel).map((k) => `${alias}.${q(k.column)}`).join(', ');
    const from = `FROM ${q(childModel.table)} ${alias} WHERE ${join}`;
    const rendered: [string, string] = [
      child.property,
      child.single
        ? `(SELECT ${object} ${from} ORDER BY ${order} LIMIT 1)`
        : `coalesce((SELECT jsonb_agg(${object} ORDER BY ${order}) ${from}), '[]'::jsonb)`,
    ];
    if (!child.codes) return [rendered];
    return [rendered, [child.codes.property, `coalesce((SELECT jsonb_agg(${alias}.${q(child.codes.column)} ORDER BY ${order}) ${from}), '[]'::jsonb)`]];
  });
  return jsonObject(self, wireColumns(model), extra, referenceWireValue);
}

/**
 * Which roots a reference-mode read returns: those changed since the change-feed position `since`
 * stood for (`xid`, when `since` is a generatedAt this node issued), else the reference's
 * `updated_at > since`. Arguments: the placeholders of since and xid (both nullable).
 */
const referenceFilter = (since: string, xid: string) =>
  `CASE WHEN ${xid}::bigint IS NOT NULL THEN change_xid >= ${xid}::bigint ELSE (${since}::timestamptz IS NULL OR updated_at > ${since}::timestamptz) END`;

/**
 * The reference-compatible feed page: roots changed since `since` (REFERENCE_FILTER), ordered by
 * (updated_at, key) — unique, so offsets over one snapshot never skip or repeat — children nested.
 * Parameters: $1 since (nullable), $2 offset, $3 limit, $4 from-xid (nullable).
 */
export function referencePageSql(root: TableModel, children: ChildSpec[], models: (table: string) => TableModel): string {
  const order = ['p0.updated_at', ...root.key.map((k) => `p0.${q(k)}`)].join(', ');
  return `SELECT coalesce(json_agg(${nestedObject(root, children, models, 0)} ORDER BY ${order}), '[]'::json)::text AS rows
FROM (SELECT * FROM ${q(root.table)} WHERE ${referenceFilter('$1', '$4')}
      ORDER BY updated_at, ${root.key.map(q).join(', ')} OFFSET $2 LIMIT $3) p0`;
}

/** Parameters: $1 since (nullable), $2 from-xid (nullable). */
export function referenceCountSql(root: TableModel): string {
  return `SELECT count(*)::int AS n, ${timestampText('max(updated_at)')} AS latest
FROM ${q(root.table)} WHERE ${referenceFilter('$1', '$2')}`;
}

