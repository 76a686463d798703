import { DataSource } from 'typeorm';
import { TableModel } from '../../../src/core/sync-kernel/table-model';
import { contentColumns } from '../../../src/sync/import/import-sql';

/** One key's state on a node: a live row (updated_at, content hash) or a tombstone, with its change stamp. */
export type KeyState =
  | { kind: 'row'; updatedAt: string; hash: string; xid: string }
  | { kind: 'tombstone'; deletedAt: string; xid: string }
  | { kind: 'none' };

export type NodeState = Map<string, KeyState>;

const US = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** Every key of the given tables on a node ("table|key json" → state). */
export async function readState(ds: DataSource, tables: TableModel[]): Promise<NodeState> {
  const state: NodeState = new Map();
  for (const model of tables) {
    const cols = contentColumns(model).map((c) => `t."${c.column}"`);
    const key = `jsonb_build_object(${model.key.map((k) => `'${k}', t."${k}"::text`).join(', ')})::text`;
    const rows: { k: string; u: string; h: string; x: string }[] = await ds.query(
      `SELECT ${key} AS k, ${US('t.updated_at')} AS u, md5(ROW(${cols.join(', ')})::text) AS h, t.change_xid::text AS x FROM "${model.table}" t`,
    );
    for (const r of rows) state.set(`${model.table}|${r.k}`, { kind: 'row', updatedAt: r.u, hash: r.h, xid: r.x });
    const tombs: { k: string; d: string; x: string }[] = await ds.query(
      `SELECT (SELECT jsonb_object_agg(e.key, e.value #>> '{}') FROM jsonb_each(row_key) e)::text AS k, ${US('deleted_at')} AS d, change_xid::text AS x
       FROM tombstones WHERE table_name = $1`,
      [model.table],
    );
    for (const t of tombs) if (!state.has(`${model.table}|${t.k}`)) state.set(`${model.table}|${t.k}`, { kind: 'tombstone', deletedAt: t.d, xid: t.x });
  }
  return state;
}

/** The cursor's xid bound of the requester's last completed pull from a peer ('0': first pull). */
export async function cursorXid(requester: DataSource, peerRegistryId: string): Promise<bigint> {
  const rows: { cursor_to: string | null }[] = await requester.query(
    `SELECT cursor_to FROM sync_logs WHERE remote_node_id = $1 AND kind = 'pull' AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`,
    [peerRegistryId],
  );
  if (!rows[0]?.cursor_to) return 0n;
  return BigInt(JSON.parse(Buffer.from(rows[0].cursor_to, 'base64url').toString('utf8')).xid as string);
}

/** Newer wins; equal updated_at → greater content hash; a delete at or after a row's updated_at wins. */
export function expectedAfterPull(requester: NodeState, source: NodeState, fromXid: bigint): Map<string, 'row' | 'gone'> & { winners: Map<string, KeyState> } {
  const keys = new Set([...requester.keys(), ...source.keys()]);
  const result = new Map<string, 'row' | 'gone'>() as Map<string, 'row' | 'gone'> & { winners: Map<string, KeyState> };
  result.winners = new Map();
  for (const key of keys) {
    const r = requester.get(key) ?? { kind: 'none' };
    const s = source.get(key) ?? { kind: 'none' };
    const inWindow = s.kind !== 'none' && BigInt(s.xid) >= fromXid;
    let winner: KeyState = r;
    if (inWindow && s.kind === 'row') {
      if (r.kind === 'none') winner = s;
      else if (r.kind === 'row') winner = r.updatedAt < s.updatedAt || (r.updatedAt === s.updatedAt && r.hash < s.hash) ? s : r;
      else winner = r.deletedAt >= s.updatedAt ? r : s;
    } else if (inWindow && s.kind === 'tombstone') {
      if (r.kind === 'row') winner = s.deletedAt >= r.updatedAt ? s : r;
      else winner = r.kind === 'none' ? s : r;
    }
    result.set(key, winner.kind === 'row' ? 'row' : 'gone');
    result.winners.set(key, winner);
  }
  return result;
}

/** Differences between what the requester holds and what the rule says it must hold. */
export function mismatches(after: NodeState, expected: ReturnType<typeof expectedAfterPull>): string[] {
  const problems: string[] = [];
  for (const [key, winner] of expected.winners) {
    const actual = after.get(key) ?? { kind: 'none' };
    if (winner.kind === 'row') {
      if (actual.kind !== 'row' || actual.updatedAt !== winner.updatedAt || actual.hash !== winner.hash) {
        problems.push(`${key}: expected row ${winner.updatedAt}/${winner.hash}, got ${JSON.stringify(actual)}`);
      }
    } else if (actual.kind === 'row') {
      problems.push(`${key}: expected deleted/absent, got row ${actual.updatedAt}/${actual.hash}`);
    }
  }
  return problems;
}
