import type { DataSource } from 'typeorm';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../src/core/sync-kernel/table-model';
import { RowValues, SyncedRowFactory } from './synced-rows';
import type { TestNode } from './test-node';

/**
 * Local writers on every synced table, for the "a local write during an apply is never lost" checks
 * (issue #14 item 2): random inserts, updates and deletes of parents and children on a set of keys
 * both nodes share, each remembered with the time it committed, and the check of what became of them.
 */

/** A write that committed: a row version stamped `at`, or a delete at `at`. */
export interface CommittedWrite {
  table: string;
  key: Record<string, unknown>;
  kind: 'write' | 'delete';
  at: string;
}

const text = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** TypeORM answers UPDATE/DELETE … RETURNING with [rows, count]. */
const returned = <T = unknown>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];

/** A text column a write may change (not key, FK, managed or node-local), if the table has one. */
function changeable(model: TableModel) {
  const fkColumns = new Set(model.foreignKeys.flatMap((f) => f.columns));
  return model.columns.find((c) => !c.primary && !c.managed && !c.local && !fkColumns.has(c.column) && (c.type === 'character varying' || c.type === 'text'));
}

export class LocalWriters {
  private constructor(
    readonly models: TableModel[],
    /** The shared keys: rows seeded per table. */
    private readonly seeded: Map<string, RowValues>[],
    private readonly parents: Map<string, RowValues>,
  ) {}

  /** Seeds two rows of every synced table on `node` (children pointing at the last parent row). */
  static async seed(node: TestNode): Promise<LocalWriters> {
    const catalog = node.app.get(SyncCatalog);
    const models = catalog.tables();
    const factory = new SyncedRowFactory(catalog, node.config.node.nodeId);
    const all: Map<string, RowValues>[] = [new Map(), new Map()];
    await node.dataSource.transaction(async (m) => {
      for (const model of models) {
        // One row where a second would repeat a key: keys made of parent keys, a natural key on a parent (target_area).
        const fkColumns = new Set(model.foreignKeys.flatMap((f) => f.columns));
        const single = model.key.every((k) => fkColumns.has(k)) || (model.naturalKeys ?? []).some((k) => k.columns.every((c) => fkColumns.has(c)));
        for (let i = 0; i < (single ? 1 : 2); i++) all[i].set(model.table, await factory.insert(m, model));
      }
    });
    return new LocalWriters(models, all, factory.rows);
  }

  /** One random insert, update or delete in its own transaction; what committed (nothing when refused). */
  async randomWrite(node: TestNode): Promise<CommittedWrite | undefined> {
    const model = this.models[Math.floor(Math.random() * this.models.length)];
    const rows = this.seeded.map((s) => s.get(model.table)).filter((r): r is RowValues => !!r);
    const row = rows[Math.floor(Math.random() * rows.length)];
    const { where, params } = SyncedRowFactory.keyFilter(model, row);
    const key = SyncedRowFactory.rowKey(model, row);
    const dice = Math.random();
    try {
      return await node.dataSource.transaction(async (m) => {
        if (dice < 0.3) {
          if (returned(await m.query(`DELETE FROM "${model.table}" WHERE ${where} RETURNING 1`, params)).length === 0) return undefined;
          const [{ at }] = await m.query(`SELECT ${text('deleted_at')} AS at FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`, [model.table, JSON.stringify(key)]);
          return { table: model.table, key, kind: 'delete' as const, at };
        }
        const column = changeable(model);
        // A link table without a free column: the write only moves its updated_at (the trigger stamps it).
        const set = column ? `"${column.column}" = left(md5(random()::text), ${Math.min(column.length ?? 20, 20)})` : `updated_at = updated_at`;
        const updated = returned<{ at: string }>(await m.query(`UPDATE "${model.table}" SET ${set} WHERE ${where} RETURNING ${text('updated_at')} AS at`, params));
        if (updated.length) return { table: model.table, key, kind: 'write' as const, at: updated[0].at };
        if (dice < 0.6) return undefined;
        // Re-create the key as this node's row (its parents may be gone: then the FK refuses it).
        const factory = new SyncedRowFactory(node.app.get(SyncCatalog), node.config.node.nodeId);
        for (const [table, parent] of this.parents) factory.rows.set(table, parent);
        const nodeColumns = new Set(model.columns.filter((c) => c.local || c.managed).map((c) => c.column));
        const values = Object.fromEntries(Object.entries(row).filter(([c]) => !nodeColumns.has(c)));
        await factory.insert(m, model, { ...factory.values(model), ...values });
        const [{ at }] = await m.query(`SELECT ${text('updated_at')} AS at FROM "${model.table}" WHERE ${where}`, params);
        return { table: model.table, key, kind: 'write' as const, at };
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code === '23503' || code === '23505') return undefined; // a parent gone, a key taken: nothing committed
      throw error;
    }
  }

  /** Writes until `stop.done`, collecting what committed. */
  async writeUntil(node: TestNode, stop: { done: boolean }, into: CommittedWrite[] = []): Promise<CommittedWrite[]> {
    while (!stop.done) {
      const committed = await this.randomWrite(node);
      if (committed) into.push(committed);
    }
    return into;
  }

  /**
   * What became of `writes` on `dataSource`: each still stands, lost to a version not older than it
   * (row updated_at or tombstone deleted_at), or is archived in sync_conflicts; a delete is undone
   * only by a newer version or with an archive; no row stands next to its tombstone.
   */
  async problems(dataSource: DataSource, writes: CommittedWrite[]): Promise<string[]> {
    const problems: string[] = [];
    for (const w of writes) {
      const model = this.models.find((m) => m.table === w.table)!;
      const where = model.key.map((k, i) => `"${k}" = $${i + 1}`).join(' AND ');
      const params = model.key.map((k) => w.key[k]);
      const n = params.length + 1;
      const [state] = await dataSource.query(
        `SELECT (SELECT ${text('updated_at')} FROM "${w.table}" WHERE ${where}) AS row_at,
                (SELECT ${text('deleted_at')} FROM tombstones WHERE table_name = '${w.table}' AND row_key = $${n}::jsonb) AS tomb_at,
                (SELECT count(*)::int FROM sync_conflicts WHERE table_name = '${w.table}' AND row_key = $${n}::jsonb) AS archived`,
        [...params, JSON.stringify(w.key)],
      );
      if (w.kind === 'write' && !(state.row_at >= w.at || state.tomb_at >= w.at || state.archived > 0)) problems.push(`write lost: ${JSON.stringify({ ...w, ...state })}`);
      if (w.kind === 'delete' && state.row_at && !(state.row_at > w.at) && state.archived === 0) problems.push(`delete undone: ${JSON.stringify({ ...w, ...state })}`);
    }
    for (const model of this.models) {
      const key = `jsonb_build_object(${model.key.map((k) => `'${k}', t."${k}"`).join(', ')})`;
      const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM "${model.table}" t JOIN tombstones tb ON tb.table_name = '${model.table}' AND tb.row_key = ${key}`);
      if (n > 0) problems.push(`${model.table}: ${n} rows next to their tombstone`);
    }
    return problems;
  }
}
