import { TableModel } from '../../core/sync-kernel/table-model';
import { q, THIS_XACT } from '../../core/sync-kernel/sql';

/**
 * The set-based foreign key check of an apply (docs/architecture.md §7 "Foreign keys"): where the
 * database role may set `session_replication_role`, the apply writes its rows in `replica` mode, so
 * PostgreSQL queues no RI trigger per row (and checks none at COMMIT); before the commit, this one
 * statement checks every foreign key of the rows the transaction wrote (change_xid = this
 * transaction: the `(change_xid, key)` index finds them) with one anti-join per key, as the RI
 * check would: MATCH SIMPLE (a row with a NULL in the key is not checked), the parent must exist.
 * Tables whose written rows all kept their keys are left out by the caller (keysToCheckSql).
 *
 * Parents in synced tables cannot go away before the commit (the apply holds SHARE ROW EXCLUSIVE on
 * every synced table); a parent outside them (research_nodes) is locked FOR KEY SHARE, as the RI
 * trigger locks it, so a concurrent delete waits for the commit and then fails on the new rows.
 */

/**
 * May the role set session_replication_role (superuser, or on PG 15+ maybe a SET grant: then
 * REPLICA_GRANTED_SQL asks)? In the same statement, the two parents of every sync_conflicts row the
 * apply writes (its sync log $1 and the peer $2) are locked FOR KEY SHARE, what their RI check takes:
 * constant for the whole apply, so every conflict row is valid without a check per row (`parents`
 * = 2 when both exist).
 */
export const REPLICA_ALLOWED_SQL = `SELECT current_setting('is_superuser') = 'on' AS superuser, current_setting('server_version_num')::int >= 150000 AS grants,
  (SELECT count(*)::int FROM (SELECT 1 FROM sync_logs WHERE id = $1::uuid FOR KEY SHARE) l)
  + (SELECT count(*)::int FROM (SELECT 1 FROM research_nodes WHERE id = $2::uuid FOR KEY SHARE) n) AS parents`;
export const REPLICA_GRANTED_SQL = `SELECT has_parameter_privilege('session_replication_role', 'SET') AS granted`;

/**
 * REPLICA_ALLOWED_SQL and its parameters; with `settings` (a `SELECT set_config(…)…` of its own
 * parameters $1…), those set_config calls in the same statement, one round trip for both (its
 * parameters first, the check's renumbered after them).
 */
function replicaAllowed(syncLogId: string, peerRegistryId: string, settings?: { sql: string; params: unknown[] }): [string, unknown[]] {
  if (!settings) return [REPLICA_ALLOWED_SQL, [syncLogId, peerRegistryId]];
  const n = settings.params.length;
  if (!settings.sql.startsWith('SELECT ')) throw new Error('settings must be a SELECT of set_config calls');
  const check = REPLICA_ALLOWED_SQL.slice('SELECT '.length).replace(/\$([12])::uuid/g, (_, i: string) => `$${Number(i) + n}::uuid`);
  return [`${settings.sql}, ${check}`, [...settings.params, syncLogId, peerRegistryId]];
}

/** The part of a query runner the check needs. */
type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * Whether this apply may write in replica mode and check its foreign keys set-based: the role may
 * set session_replication_role, and the sync log ($1) and peer ($2) of its conflict rows exist (now
 * locked). Otherwise (a role without the grant, PG < 15 without superuser) the per-row deferred checks stay.
 */
export async function mayWriteInReplicaMode(query: Query, syncLogId: string, peerRegistryId: string, settings?: { sql: string; params: unknown[] }): Promise<boolean> {
  const [role] = (await query(...replicaAllowed(syncLogId, peerRegistryId, settings))) as { superuser: boolean; grants: boolean; parents: number }[];
  if (!role.superuser) {
    if (!role.grants) return false;
    const [grant] = (await query(REPLICA_GRANTED_SQL)) as { granted: boolean }[];
    if (!grant.granted) return false;
  }
  // Missing parents never happen in a pull; the per-row checks then say which.
  return role.parents === 2;
}

export interface ForeignKeyViolation {
  table_name: string;
  columns: string;
  value: string;
  parent: string;
}

/**
 * One statement over the given tables' foreign keys: a row per violated key (the first offending
 * value), none when every written row has its parents. `synced` says which parent tables the apply
 * has locked against writers; the others are locked FOR KEY SHARE.
 */
export function foreignKeyViolationsSql(models: readonly TableModel[], synced: (table: string) => boolean): string | null {
  const written = `c.change_xid = ${THIS_XACT}`;
  const checks: string[] = [];
  for (const model of models) {
    for (const fk of model.foreignKeys) {
      const set = fk.columns.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ');
      const label = `'${model.table}' AS table_name, '${fk.columns.join(', ')}' AS columns, '${fk.referencedTable}' AS parent`;
      if (synced(fk.referencedTable)) {
        const match = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = c.${q(c)}`).join(' AND ');
        checks.push(`(SELECT ${label}, ROW(${fk.columns.map((c) => `c.${q(c)}`).join(', ')})::text AS value
  FROM ${q(model.table)} c WHERE ${written} AND ${set} AND NOT EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${match}) LIMIT 1)`);
      } else {
        // Few distinct values (research_node_id is this node's id): each is looked up and locked once.
        const values = fk.columns.map((c, i) => `c.${q(c)} AS v${i}`).join(', ');
        const match = fk.columns.map((c, i) => `p.${q(fk.referencedColumns[i])} = d.v${i}`).join(' AND ');
        checks.push(`(SELECT ${label}, ROW(${fk.columns.map((_, i) => `d.v${i}`).join(', ')})::text AS value
  FROM (SELECT DISTINCT ${values} FROM ${q(model.table)} c WHERE ${written} AND ${set}) d
  WHERE NOT EXISTS (SELECT 1 FROM ${q(fk.referencedTable)} p WHERE ${match} FOR KEY SHARE) LIMIT 1)`);
      }
    }
  }
  return checks.length ? checks.join('\nUNION ALL\n') : null;
}
