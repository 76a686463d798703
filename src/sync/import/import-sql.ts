import { CHANGE_COLUMN } from '../../core/sync-kernel/aggregate-spec';
import { ColumnModel, ForeignKeyModel, NaturalKeyModel, sqlType, TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, keyColumns, q, recordsetDefinition, THIS_XACT, wireColumns } from '../../core/sync-kernel/sql';
import { archiveFutureRowsSql, archiveFutureTombstonesSql } from './future-stamps-sql';
import { keysToCheckSql, writtenValue } from './written-keys-sql';

export { ARCHIVE_REMOVED_AFTER_SQL, ARCHIVE_REMOVED_SINCE_SQL, archiveRemovedRowsSql, REMOVED_ROW_TABLES_SQL, REMOVED_ROWS_TABLE_SQL } from './removed-rows-sql';

/**
 * SQL of the apply step, built from table models. Incoming rows are staged in temp tables
 * (`_s` = one jsonb page per row, `_r` = typed rows), then applied set-based: one statement per
 * table for conflicts, one for the upsert, one for tombstones. Never a statement per row.
 *
 * Newer wins: (updated_at, md5(content)) compared as a row; equal updated_at falls to the content
 * hash, so both nodes pick the same winner whatever the direction of the pull.
 */

const CHANGE_XID = q(CHANGE_COLUMN);

/** Columns whose values both nodes must agree on (not the change stamp, not node-local columns). */
export function contentColumns(model: TableModel): ColumnModel[] {
  return wireColumns(model).filter((c) => !c.local);
}

/** md5 over the row's content, same text on both nodes for the same version. */
export function contentHash(alias: string, model: TableModel, incoming: boolean): string {
  const refs = contentColumns(model).map((c) => (incoming ? `${alias}.${q(c.property)}` : `${alias}.${q(c.column)}`));
  return `md5(ROW(${refs.join(', ')})::text)`;
}

/**
 * A stamp further ahead of this node's clock than the skew limit (`prism_max_clock_skew()`, from
 * SYNC_MAX_CLOCK_SKEW_SECONDS): not trusted to win (the future_timestamp rule, future-stamps-sql.ts).
 * The limit is a sub-select, computed once per statement (an InitPlan): written inline, the
 * setting's text was read and cast to an interval for every row a scan filters (3–8× the time of
 * a scan of the target table in the conflict check, measured).
 */
export const beyondClock = (stamp: string): string => `${stamp} > (SELECT now() + prism_max_clock_skew())`;

export const keyMatch = (model: TableModel, tableAlias: string, incomingAlias: string) =>
  keyColumns(model)
    .map((k) => `${tableAlias}.${q(k.column)} = ${incomingAlias}.${q(k.property)}`)
    .join(' AND ');

/** Tombstone row_key (column names) of an incoming row. */
export const incomingRowKey = (model: TableModel, alias: string) =>
  `jsonb_build_object(${keyColumns(model)
    .map((k) => `'${k.column}', ${alias}.${q(k.property)}`)
    .join(', ')})`;

/**
 * Local writers wait while a pull is applied, so a local insert, update or delete commits either
 * before the apply (which then sees it) or after it (and wins as the newer version): never in the
 * middle, where it could be undone (a row deleted meanwhile re-inserted from an older copy, next to
 * its tombstone) or break a deferred foreign key at commit. SHARE ROW EXCLUSIVE conflicts with the
 * writers' ROW EXCLUSIVE only: reads, FK checks (ROW SHARE) and the export windows served to peers
 * go on. Taken once, in dependency order (parents first), the order in which local transactions
 * take them too (a parent before its children), so an apply and a writer do not deadlock.
 */
export function lockAgainstLocalWritesSql(models: readonly TableModel[]): string {
  return `LOCK TABLE ${models.map((m) => q(m.table)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`;
}

/**
 * What the apply needs to know of every table, in one statement: the tables with local tombstones
 * (`local`), the incoming tombstones per table (`incoming`, n), and the tables without a row
 * (`empty`: a probe of each table's first page). Runs under the apply's lock, after the tombstones are staged.
 */
export function applyStateSql(models: readonly TableModel[]): string {
  const empty = models.map((m) => `SELECT 'empty', '${m.table}', 0 WHERE NOT EXISTS (SELECT 1 FROM ${q(m.table)})`);
  return [
    `SELECT 'local' AS kind, table_name, 0 AS n FROM (SELECT DISTINCT table_name FROM tombstones) l`,
    `SELECT 'incoming', table_name, count(*)::int FROM _tombstones GROUP BY 2`,
    ...empty,
  ].join('\nUNION ALL ');
}

/**
 * One staged page (a JSON array) per row. json, not jsonb: COPY only validates it and
 * json_to_recordset reads it once. Storage EXTERNAL: pages are large and read once, so TOAST
 * compression would only cost time (~2.5× the stage step at 100K rows).
 */
export function stageTableSql(stage: string): string {
  return `CREATE TEMP TABLE ${stage} (doc json NOT NULL) ON COMMIT DROP; ALTER TABLE ${stage} ALTER COLUMN doc SET STORAGE EXTERNAL`;
}

/**
 * Typed incoming rows. One window is one consistent snapshot, so a key comes at most once; a peer
 * that sends a key twice fails the upsert ("cannot affect row a second time") and the pull.
 */
export function typedRowsSql(model: TableModel, stage: string, rows: string): string {
  return `CREATE TEMP TABLE ${rows} ON COMMIT DROP AS
SELECT r.* FROM ${stage} s CROSS JOIN LATERAL json_to_recordset(s.doc) AS r(${recordsetDefinition(wireColumns(model))})`;
}

/**
 * The typed temp table COPY pages are loaded into: the wire columns by wire name, as typedRowsSql
 * makes them. Dropped at the commit, or kept for the session (the loads during the fetch, ApplyPreload).
 */
export function typedTableSql(model: TableModel, rows: string, lifetime: 'transaction' | 'session' = 'transaction'): string {
  return `CREATE TEMP TABLE ${rows} (${recordsetDefinition(wireColumns(model))})${lifetime === 'transaction' ? ' ON COMMIT DROP' : ''}`;
}

/**
 * Archives both versions when a local row changed since the last pull from this peer
 * (change_xid > $3) and differs from the incoming one. Params: $1 sync log id, $2 peer id,
 * $3 last apply xid of this peer. `probe`: few incoming rows, so each one's local row is looked up
 * by its key (a lateral index probe) instead of joining them with a scan of the whole table, the
 * planner's choice for a temp table without statistics (most of a small pull's apply time).
 */
export function archiveRowConflictsSql(model: TableModel, rows: string, probe = false): string {
  const local = contentHash('t', model, false);
  const remote = contentHash('r', model, true);
  // OFFSET 0 keeps the sub-select apart, so it runs once per incoming row, by key.
  const target = probe
    ? `LATERAL (SELECT * FROM ${q(model.table)} t WHERE ${keyMatch(model, 't', 'r')} OFFSET 0) t ON TRUE`
    : `${q(model.table)} t ON ${keyMatch(model, 't', 'r')}`;
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${incomingRowKey(model, 'r')}, ${jsonObject('t', wireColumns(model))}, to_jsonb(r),
  CASE WHEN ${beyondClock('t.updated_at')} OR (t.updated_at, ${local}) < (r."updatedAt", ${remote}) THEN 'remote' ELSE 'local' END,
  CASE WHEN ${beyondClock('t.updated_at')} THEN 'future_timestamp' WHEN t.updated_at = r."updatedAt" THEN 'tie_content_hash' ELSE 'newer_updated_at' END,
  clock_timestamp()
FROM ${rows} r JOIN ${target}
WHERE (t.change_xid > $3::bigint OR ${beyondClock('t.updated_at')}) AND ${local} <> ${remote} AND ${notFuture('r')}`;
}

/** An incoming row not stamped beyond the clock (those are archived by archiveFutureRowsSql, never applied). */
const notFuture = (alias: string) => `(${beyondClock(`${alias}."updatedAt"`)}) IS NOT TRUE`;

/** Rows a local tombstone deleted at or after their updated_at: not resurrected. */
function notDeletedLocally(model: TableModel, alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM tombstones tb WHERE tb.table_name = '${model.table}' AND tb.row_key = ${incomingRowKey(model, alias)} AND tb.deleted_at >= ${alias}."updatedAt" AND NOT ${beyondClock('tb.deleted_at')})`;
}

export function countDeletedLocallySql(model: TableModel, rows: string): string {
  return `SELECT count(*)::int AS n FROM ${rows} r WHERE ${notFuture('r')} AND NOT ${notDeletedLocally(model, 'r')}`;
}

const property = (model: TableModel, column: string) => model.columns.find((c) => c.column === column)!.property;

/**
 * Every checked parent of an incoming row exists (here, or among the incoming rows of the same
 * table for a self-reference). A row whose parent this node deleted (and the peer did not change)
 * is not applied: the delete wins for the aggregate, the row is archived, and the pull goes on
 * instead of failing at commit on every later attempt.
 */
export function parentsPresent(model: TableModel, foreignKeys: ForeignKeyModel[], alias: string, rows: string): string {
  if (foreignKeys.length === 0) return 'TRUE';
  return foreignKeys
    .map((fk) => {
      const unset = fk.columns.map((c) => `${alias}.${q(property(model, c))} IS NULL`).join(' OR ');
      const here = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = ${alias}.${q(property(model, c))}`).join(' AND ');
      let present = `EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${here})`;
      if (fk.referencedTable === model.table) {
        const staged = fk.columns.map((c, i) => `s.${q(property(model, fk.referencedColumns[i]))} = ${alias}.${q(property(model, c))}`).join(' AND ');
        present += ` OR EXISTS (SELECT 1 FROM ${rows} s WHERE ${staged})`;
      }
      return `(${unset} OR ${present})`;
    })
    .join(' AND ');
}

/** Archives incoming rows that would otherwise be applied but whose parent is gone here. Params as archiveRowConflictsSql. */
export function archiveOrphansSql(model: TableModel, foreignKeys: ForeignKeyModel[], rows: string): string {
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${incomingRowKey(model, 'r')}, NULL, to_jsonb(r), 'local', 'missing_parent', clock_timestamp()
FROM ${rows} r
WHERE $3::bigint IS NOT NULL AND ${notFuture('r')} AND ${notDeletedLocally(model, 'r')} AND NOT (${parentsPresent(model, foreignKeys, 'r', rows)})`;
}

/**
 * The newer-wins upsert, a part of applyRowsSql (its params: $4 local node id for research_node_id,
 * $5 peer protocol id, the origin of rows from a peer that does not send one, $6 file hashes, $7
 * their local locators; the values: writtenValue). `emptyTarget`: the table had no row and no
 * tombstone when the apply locked it, so there is nothing to merge: a plain INSERT (a key sent
 * twice fails it, as it fails the upsert).
 */
export function upsertSql(model: TableModel, rows: string, foreignKeys: ForeignKeyModel[], localTombstones: boolean, emptyTarget = false): string {
  const columns = wireColumns(model);
  // The change stamp and the defaults are what prism_stamp_row() writes in sync-apply mode: the
  // statement writes them itself, because in replica mode (set-based FK check) no trigger fires.
  const updates = [...columns.filter((c) => !c.primary).map((c) => `${q(c.column)} = EXCLUDED.${q(c.column)}`), `${CHANGE_XID} = EXCLUDED.${CHANGE_XID}`];
  const merge = emptyTarget
    ? ''
    : `
  ON CONFLICT (${model.key.map(q).join(', ')}) DO UPDATE SET ${updates.join(', ')}
  WHERE ${beyondClock('t.updated_at')} OR (t.updated_at, ${contentHash('t', model, false)}) < (EXCLUDED.updated_at, ${contentHash('EXCLUDED', model, false)})`;
  return `INSERT INTO ${q(model.table)} AS t (${columns.map((c) => q(c.column)).join(', ')}, ${CHANGE_XID})
  SELECT ${columns.map((c) => writtenValue(model, c)).join(', ')}, ${THIS_XACT} FROM ${rows} r
  WHERE ${notFuture('r')} AND ${localTombstones ? notDeletedLocally(model, 'r') : 'TRUE'} AND ${parentsPresent(model, foreignKeys, 'r', rows)}${merge}
  RETURNING (xmax = 0) AS inserted`;
}

/** How applyRowsSql applies one table's rows (the engine decides from the tombstones and the locked table). */
export interface RowsPlan {
  /** Foreign keys whose parents are checked row by row (rows whose parent this node deleted are archived). */
  parents: ForeignKeyModel[];
  /** The table has local tombstones (or incoming ones): rows they deleted are not resurrected. */
  localTombstones: boolean;
  /** The table had no row when the apply locked it, and no tombstone: nothing to merge or archive. */
  emptyTarget: boolean;
  /** Few incoming rows: the conflict check looks each one's local row up by key (archiveRowConflictsSql). */
  probe?: boolean;
}

/**
 * One statement applies a table's incoming rows (one round trip instead of five or six): the rows
 * stamped beyond the clock archived (future_timestamp) and left out, the local rows that changed
 * since the last pull archived (conflicts), the rows a local tombstone deleted counted, the rows
 * whose parent this node deleted archived (missing_parent), the rest upserted newer-wins. Every
 * part reads the table as it was before the statement (one snapshot), as the separate statements
 * did before the upsert. Answers received, future, conflicts, deleted, orphans, inserted, updated.
 * Also answers `checked`: the rows whose foreign keys ImportEngine.finish must check (keysToCheckSql).
 * Params: $1 sync log id, $2 peer id, $3 last apply xid of this peer, $4–$7 as upsertSql.
 */
export function applyRowsSql(model: TableModel, rows: string, plan: RowsPlan): string {
  const parts: [name: string, sql: string][] = [['future', `${archiveFutureRowsSql(model, rows)}\nRETURNING 1`]];
  if (!plan.emptyTarget) parts.push(['conflicts', `${archiveRowConflictsSql(model, rows, plan.probe)}\nRETURNING 1`]);
  if (plan.localTombstones) parts.push(['deleted', countDeletedLocallySql(model, rows)]);
  if (plan.parents.length > 0) parts.push(['orphans', `${archiveOrphansSql(model, plan.parents, rows)}\nRETURNING 1`]);
  parts.push(['up', upsertSql(model, rows, plan.parents, plan.localTombstones, plan.emptyTarget)]);
  // Only where the rows are probed one by one anyway (few): a large merge checks every written row.
  const keys = plan.probe && !plan.emptyTarget ? keysToCheckSql(model, rows) : null;
  if (keys) parts.push(['keys', keys]);
  const has = (name: string) => parts.some(([n]) => n === name);
  const count = (name: string) => (has(name) ? `(SELECT count(*) FROM ${name})::int` : '0');
  // The params CTE types every parameter, also those a table without local columns does not use.
  return `WITH params AS (SELECT $1::uuid AS sync_log, $2::uuid AS peer, $3::bigint AS last_apply_xid, $4::uuid AS local_node_id, $5::text AS peer_protocol, $6::text[] AS hashes, $7::text[] AS locators),
${parts.map(([name, sql]) => `${name} AS (\n${sql}\n)`).join(',\n')}
SELECT (SELECT count(*) FROM ${rows})::int AS received, ${count('future')} AS future, ${count('conflicts')} AS conflicts,
  ${has('deleted') ? '(SELECT n FROM deleted)' : '0'} AS deleted, ${count('orphans')} AS orphans,
  (SELECT count(*) FILTER (WHERE inserted) FROM up)::int AS inserted, (SELECT count(*) FILTER (WHERE NOT inserted) FROM up)::int AS updated,
  ${model.foreignKeys.length === 0 ? '0' : keys ? count('keys') : '(SELECT count(*) FROM up)::int'} AS checked`;
}

/**
 * Records the collisions of a natural key this pull made: every row of `model` the pull wrote
 * (change_xid = this transaction) whose key another row has. Both rows stay (a pull never fails
 * on a natural key, and both nodes converge to the same rows); the operator sees the applied row
 * (remote version, its key) and the row it collides with (local version), rule `natural_key`.
 * Params: $1 sync log id, $2 peer id.
 */
export function archiveNaturalKeyCollisionsSql(model: TableModel, rows: string, naturalKey: NaturalKeyModel): string {
  const sameKey = naturalKey.columns.map((c) => `o.${q(c)} = t.${q(c)}`).join(' AND ');
  const otherRow = model.key.map((k) => `o.${q(k)} IS DISTINCT FROM t.${q(k)}`).join(' OR ');
  const columns = wireColumns(model);
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${incomingRowKey(model, 'r')}, ${jsonObject('o', columns)}, ${jsonObject('t', columns)},
  'remote', 'natural_key', clock_timestamp()
FROM ${rows} r JOIN ${q(model.table)} t ON ${keyMatch(model, 't', 'r')} AND t.change_xid = ${THIS_XACT}
JOIN ${q(model.table)} o ON ${sameKey} AND (${otherRow})`;
}

/** Incoming tombstones, staged once for the whole pull. */
export const TOMBSTONE_STAGE_SQL = `CREATE TEMP TABLE _tombstones_in (doc jsonb NOT NULL) ON COMMIT DROP`;
export const TOMBSTONE_ROWS_SQL = `CREATE TEMP TABLE _tombstones ON COMMIT DROP AS
SELECT d."table" AS table_name, d."key" AS key, d."deletedAt" AS deleted_at, d."originNodeId" AS origin_node_id
FROM _tombstones_in s CROSS JOIN LATERAL jsonb_to_recordset(s.doc) AS d("table" text, "key" jsonb, "deletedAt" timestamptz, "originNodeId" text)`;

export const tombstoneKeyMatch = (model: TableModel, tableAlias: string) =>
  keyColumns(model)
    .map((k) => `${tableAlias}.${q(k.column)} = (d.key->>'${k.property}')::${sqlType(k)}`)
    .join(' AND ');

export const tombstoneRowKey = (model: TableModel) =>
  `jsonb_build_object(${keyColumns(model)
    .map((k) => `'${k.column}', (d.key->>'${k.property}')::${sqlType(k)}`)
    .join(', ')})`;

/** Archives a local row changed since the last pull that an incoming delete meets. Params as archiveRowConflictsSql. */
export function archiveDeleteConflictsSql(model: TableModel): string {
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${tombstoneRowKey(model)}, ${jsonObject('t', wireColumns(model))},
  jsonb_build_object('deleted', true, 'deletedAt', d.deleted_at),
  CASE WHEN t.updated_at <= d.deleted_at THEN 'remote' ELSE 'local' END, 'delete_vs_update', clock_timestamp()
FROM _tombstones d JOIN ${q(model.table)} t ON ${tombstoneKeyMatch(model, 't')}
WHERE d.table_name = '${model.table}' AND t.change_xid > $3::bigint AND ${notFutureTombstone}`;
}

/** An incoming tombstone not stamped beyond the clock (those are archived by archiveFutureTombstonesSql, never applied). */
const notFutureTombstone = `(${beyondClock('d.deleted_at')}) IS NOT TRUE`;

/** Deletes local rows not newer than the incoming tombstone (ties: the delete wins). */
export function deleteByTombstonesSql(model: TableModel): string {
  return `DELETE FROM ${q(model.table)} t USING _tombstones d
  WHERE d.table_name = '${model.table}' AND ${tombstoneKeyMatch(model, 't')} AND t.updated_at <= d.deleted_at AND ${notFutureTombstone}
  RETURNING 1`;
}

/**
 * One statement applies a table's incoming tombstones: those stamped beyond the clock archived
 * (future_timestamp) and left out, the local rows changed since the last pull that a delete meets
 * archived (delete_vs_update), the rows not newer than their tombstone deleted (cascades follow at
 * the statement's end). Answers future, conflicts, deleted. Params as archiveRowConflictsSql.
 */
export function applyTombstonesSql(model: TableModel): string {
  return `WITH params AS (SELECT $1::uuid AS sync_log, $2::uuid AS peer, $3::bigint AS last_apply_xid),
future AS (
${archiveFutureTombstonesSql(model)}
RETURNING 1
),
conflicts AS (
${archiveDeleteConflictsSql(model)}
RETURNING 1
),
del AS (
${deleteByTombstonesSql(model)}
)
SELECT (SELECT count(*) FROM future)::int AS future, (SELECT count(*) FROM conflicts)::int AS conflicts, (SELECT count(*) FROM del)::int AS deleted`;
}

/**
 * Keeps the peer's tombstones (with their original deleted_at) for keys that are gone here, so the
 * delete travels on to nodes that pull from us and a stale copy can never resurrect the row.
 */
export function recordTombstonesSql(model: TableModel): string {
  return `INSERT INTO tombstones (table_name, row_key, deleted_at, change_xid, origin_node_id)
SELECT d.table_name, ${tombstoneRowKey(model)}, d.deleted_at, ${THIS_XACT}, coalesce(d.origin_node_id, $1)
FROM _tombstones d
WHERE d.table_name = '${model.table}' AND ${notFutureTombstone} AND NOT EXISTS (SELECT 1 FROM ${q(model.table)} t WHERE ${tombstoneKeyMatch(model, 't')})
ON CONFLICT (table_name, row_key) DO UPDATE
SET deleted_at = EXCLUDED.deleted_at, origin_node_id = EXCLUDED.origin_node_id, change_xid = EXCLUDED.change_xid
WHERE tombstones.deleted_at < EXCLUDED.deleted_at OR tombstones.change_xid = EXCLUDED.change_xid`;
}

/**
 * Deletes rows of `model` left pointing at a parent this pull deleted (through a NO ACTION
 * foreign key, which a cascade does not cover), archiving each. A delete of a parent wins for its
 * children on both nodes, so they converge. Params: $1 sync log id, $2 peer id.
 */
export function deleteDanglingChildrenSql(model: TableModel, fk: ForeignKeyModel): string {
  const dangling = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = c.${q(c)}`).join(' AND ');
  const set = fk.columns.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ');
  const key = `jsonb_build_object(${keyColumns(model).map((k) => `'${k.column}', gone.${q(k.column)}`).join(', ')})`;
  return `WITH gone AS (
  DELETE FROM ${q(model.table)} c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${dangling}) RETURNING c.*
)
INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${key}, ${jsonObject('gone', wireColumns(model))},
  jsonb_build_object('deletedWithParent', '${fk.referencedTable}'), 'remote', 'parent_deleted', clock_timestamp()
FROM gone`;
}

/**
 * Archives the local deletes an incoming newer row overrides (the key lives again, here and on the
 * peer): `delete_vs_update`, winner remote, when the local delete happened since the last pull
 * from the peer. Params as archiveRowConflictsSql.
 */
export function archiveRevivedSql(model: TableModel, rows: string): string {
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', tb.row_key, jsonb_build_object('deleted', true, 'deletedAt', tb.deleted_at), to_jsonb(r),
  'remote', 'delete_vs_update', clock_timestamp()
FROM tombstones tb JOIN ${rows} r ON tb.row_key = ${incomingRowKey(model, 'r')}
WHERE tb.table_name = '${model.table}' AND tb.deleted_at < r."updatedAt" AND tb.change_xid > $3::bigint
  AND EXISTS (SELECT 1 FROM ${q(model.table)} t WHERE ${keyMatch(model, 't', 'r')})`;
}

/** Tombstones of keys that now exist again (an incoming row newer than the local delete). */
export function reviveSql(model: TableModel, rows: string): string {
  return `DELETE FROM tombstones tb USING ${rows} r
WHERE tb.table_name = '${model.table}' AND tb.row_key = ${incomingRowKey(model, 'r')} AND tb.deleted_at < r."updatedAt"
  AND EXISTS (SELECT 1 FROM ${q(model.table)} t WHERE ${keyMatch(model, 't', 'r')})`;
}

/**
 * A full resync (the peer's horizon passed this node's cursor): local rows that originated at the
 * peer ($1, its protocol id) and are not in its full window — `rows`, or none when it sent no row
 * of this table — are deleted: the peer deleted them and no longer keeps the tombstone that would
 * say so. Their own tombstones (by trigger) pass the delete on; cascades follow.
 */
export function deleteGoneAtOriginSql(model: TableModel, rows: string | null): string {
  const missing = rows === null ? 'TRUE' : `NOT EXISTS (SELECT 1 FROM ${rows} r WHERE ${keyMatch(model, 't', 'r')})`;
  return `WITH gone AS (DELETE FROM ${q(model.table)} t WHERE t.origin_node_id = $1 AND ${missing} RETURNING 1)
SELECT count(*)::int AS n FROM gone`;
}
