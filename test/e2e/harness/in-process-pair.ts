import request from 'supertest';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { ColumnModel, sqlType, TableModel } from '../../../src/core/sync-kernel/table-model';
import { SyncedRowFactory } from '../../support/synced-rows';
import type { TestNode } from '../../support/test-node';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/** Two in-process nodes introduced to each other (pulls in both directions). */
export interface MutualPair extends NodePair {
  /** A's id in B's registry (remoteNodeId of B's pulls). */
  peerOnB: string;
}

export async function startMutualPair(): Promise<MutualPair> {
  const env = { THROTTLE_STANDARD_PER_MINUTE: '1000000', THROTTLE_SYNC_PER_MINUTE: '1000000' };
  const pair = await startPair(env);
  // One registry row serves both ways: A registered at B with its URL (B pulls from A through it)
  // and A recorded B as an Authorized connection (B's sessions at A authenticate against it).
  return { ...pair, peerOnB: pair.requesterOnB };
}

export async function pullInto(pair: MutualPair, into: 'a' | 'b') {
  const node = into === 'a' ? pair.a : pair.b;
  return request(node.url)
    .post('/api/sync/pull')
    .set(bearer(into === 'a' ? pair.adminA : pair.adminB))
    .send({ remoteNodeId: into === 'a' ? pair.peerOnA : pair.peerOnB });
}

/** Empties every synced table, the tombstones, the sync history and conflicts (reset between runs). */
export async function resetData(node: TestNode): Promise<void> {
  // DELETE (children first), not TRUNCATE … CASCADE: that would also empty tables outside the sync
  // (users) that reference synced rows.
  const tables = [...node.app.get(SyncCatalog).tables()].reverse();
  await node.dataSource.transaction(async (manager) => {
    for (const t of tables) await manager.query(`DELETE FROM "${t.table}"`);
    await manager.query('TRUNCATE tombstones, sync_conflicts, sync_logs');
  });
}

/** A plain text column a test may change (not key, FK, managed or node-local). */
export function mutableColumn(model: TableModel): ColumnModel {
  const fkColumns = new Set(model.foreignKeys.flatMap((f) => f.columns));
  const column = model.columns.find(
    (c) => !c.primary && !c.managed && !c.local && !fkColumns.has(c.column) && (c.type === 'character varying' || c.type === 'text'),
  );
  if (!column) throw new Error(`no mutable text column in ${model.table}`);
  return column;
}

let version = 0;

/**
 * Creates or updates a row with a given key on a node. With `updatedAt`, the write runs in sync-apply
 * mode so that exact timestamp is kept (ties between nodes); otherwise the trigger stamps it.
 */
export async function writeRow(node: TestNode, model: TableModel, key: Record<string, string>, forcedUpdatedAt: string | null): Promise<void> {
  let updatedAt = forcedUpdatedAt;
  const column = mutableColumn(model);
  const value = `v${++version}-${node.config.node.nodeId}`.slice(0, column.length ?? 100);
  await node.dataSource.transaction(async (manager) => {
    if (updatedAt) await manager.query(`SET LOCAL prism.sync_apply = 'on'`);
    const where = model.key.map((k, i) => `"${k}" = $${i + 1}`).join(' AND ');
    const params = model.key.map((k) => key[k]);
    // A node's own clock never moves a row back in time (see the report on clock skew): a forced
    // stamp is at least 1 µs after the version the node holds. Ties still arise between the nodes.
    const stamp = updatedAt ? `, updated_at = greatest('${updatedAt}'::timestamptz, updated_at + interval '1 microsecond')` : '';
    const [{ present }]: { present: boolean }[] = await manager.query(`SELECT EXISTS (SELECT 1 FROM "${model.table}" WHERE ${where}) AS present`, params);
    if (present) {
      await manager.query(`UPDATE "${model.table}" SET "${column.column}" = $${params.length + 1}::${sqlType(column)}${stamp} WHERE ${where}`, [...params, value]);
      return;
    }
    // A local re-create replaces the key's tombstone, and (monotonic clock) comes after it.
    const tombstones: { after: string }[] = await manager.query(
      `SELECT to_char((deleted_at + interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS after
       FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`,
      [model.table, JSON.stringify(key)],
    );
    await manager.query(`DELETE FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`, [model.table, JSON.stringify(key)]);
    const after = tombstones[0]?.after;
    if (updatedAt && after && after > updatedAt) updatedAt = after;
    const factory = new SyncedRowFactory(node.app.get(SyncCatalog), node.config.node.nodeId);
    await factory.insert(manager, model, { ...key, [column.column]: value, ...(updatedAt ? { updated_at: updatedAt, created_at: updatedAt } : {}) });
  });
}

/** Deletes a row (leaving a tombstone); with `deletedAt`, the tombstone gets that exact time. */
export async function deleteRow(node: TestNode, model: TableModel, key: Record<string, string>, deletedAt: string | null): Promise<void> {
  await node.dataSource.transaction(async (manager) => {
    const where = model.key.map((k, i) => `"${k}" = $${i + 1}`).join(' AND ');
    const deleted: { updated_at: string }[] = await manager.query(
      `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at FROM "${model.table}" WHERE ${where}`,
      model.key.map((k) => key[k]),
    );
    await manager.query(`DELETE FROM "${model.table}" WHERE ${where}`, model.key.map((k) => key[k]));
    // A delete that found no row changes nothing on a node, least of all an older tombstone's time
    // (moving it back made a node's own delete older than the version it deleted).
    if (deletedAt && deleted.length > 0) {
      // Never before the deleted version's updated_at (a delete on the node that holds that version).
      await manager.query(
        `UPDATE tombstones SET deleted_at = greatest($3::timestamptz, $4::timestamptz) WHERE table_name = $1 AND row_key = $2::jsonb`,
        [model.table, JSON.stringify(key), deletedAt, deleted[0]?.updated_at ?? deletedAt],
      );
    }
  });
}
