import { TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, keyColumns, q, wireColumns } from '../../core/sync-kernel/sql';
import { beyondClock, incomingRowKey, keyMatch, tombstoneKeyMatch, tombstoneRowKey } from './import-sql';

/**
 * The future_timestamp rule (issue 14 item 5). Newer-wins trusts stamps only up to this node's
 * clock plus the skew limit (`prism_max_clock_skew()`, SYNC_MAX_CLOCK_SKEW_SECONDS): an incoming
 * row or delete stamped further ahead is archived and not applied, and a local row or tombstone
 * stamped that far ahead loses to any incoming version (`beyondClock` in import-sql's upsert and conflict rules).
 * Otherwise one wrong clock would make its rows unbeatable. The rows and tombstones archived here are
 * left out of every other part of the apply (`notFuture` in import-sql).
 */
/** Archives the incoming rows stamped beyond the clock (the local version, if any, is kept). $1 sync log, $2 peer. */
export function archiveFutureRowsSql(model: TableModel, rows: string): string {
  const present = `t.${q(keyColumns(model)[0].column)} IS NOT NULL`;
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${incomingRowKey(model, 'r')},
  CASE WHEN ${present} THEN ${jsonObject('t', wireColumns(model))} END, to_jsonb(r), 'local', 'future_timestamp', clock_timestamp()
FROM ${rows} r LEFT JOIN ${q(model.table)} t ON ${keyMatch(model, 't', 'r')}
WHERE ${beyondClock('r."updatedAt"')}`;
}

/** Archives this table's incoming tombstones stamped beyond the clock (the local row, if any, is kept). $1 sync log, $2 peer. */
export function archiveFutureTombstonesSql(model: TableModel): string {
  const present = `t.${q(keyColumns(model)[0].column)} IS NOT NULL`;
  return `INSERT INTO sync_conflicts (id, sync_log_id, remote_node_id, table_name, row_key, local_version, remote_version, winner, rule, created_at)
SELECT gen_random_uuid(), $1::uuid, $2::uuid, '${model.table}', ${tombstoneRowKey(model)},
  CASE WHEN ${present} THEN ${jsonObject('t', wireColumns(model))} END, jsonb_build_object('deleted', true, 'deletedAt', d.deleted_at),
  'local', 'future_timestamp', clock_timestamp()
FROM _tombstones d LEFT JOIN ${q(model.table)} t ON ${tombstoneKeyMatch(model, 't')}
WHERE d.table_name = '${model.table}' AND ${beyondClock('d.deleted_at')}`;
}
