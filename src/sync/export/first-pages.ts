import { QueryRunner } from 'typeorm';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { PageToken } from '../shared/tokens';
import { firstPageBoundsSql, firstTombstonePagesSql, TOMBSTONE_PAGE_SQL } from './export-sql';
import { TombstoneWire } from './export.types';

/** A page's bounds (windowPageBoundsSql): its rows, and the last one's position (JSON text). */
export interface PageBounds {
  n: number;
  last: string | null;
}

/** A tombstone as TOMBSTONE_PAGE_SQL reads it. */
export interface TombstoneRow {
  id: string;
  x: string;
  table_name: string;
  row_key: Record<string, string>;
  deleted_at: string;
  origin_node_id: string;
}

/** What a batch read up front, in the window's snapshot: the first page's bounds of each table, the first tombstone page of each feed. */
export interface FirstPages {
  bounds: ReadonlyMap<string, PageBounds>;
  tombstones: ReadonlyMap<string, TombstoneRow[]>;
}

/**
 * The bounds of the first page of every table of a batch's feeds (firstPageBoundsSql) and the
 * first tombstone page of each feed (firstTombstonePagesSql), in the window's snapshot (`from`): a
 * small window's batch then costs a statement per page with rows (its COPY) instead of two per
 * table and one per feed's tombstones. Every feed of the batch is small (the requester batches
 * those that fit in a page), and however many are named, this reads at most a page of keys per
 * synced table and the batch's budget of tombstones: the feeds from the last one answered on,
 * which that budget may have cut, read theirs as before (readTombstonePage).
 */
export async function readFirstPages(
  runner: QueryRunner,
  from: string,
  feeds: { routes: string[]; tables: string[][] },
  catalog: SyncCatalog,
  pageSize: number,
  budget: number,
): Promise<FirstPages> {
  const tables = feeds.tables.flat().map((t) => catalog.table(t));
  const rows: (PageBounds & { table_name: string })[] = await runner.query(firstPageBoundsSql(tables), [from, pageSize]);
  const total = Math.max(1, budget);
  const deleted: (TombstoneRow & { feed: number })[] = await runner.query(firstTombstonePagesSql(feeds.routes.length), [from, pageSize, total, ...feeds.tables]);
  const complete = deleted.length < total ? feeds.routes.length : deleted.at(-1)!.feed;
  const tombstones = new Map<string, TombstoneRow[]>(feeds.routes.slice(0, complete).map((route) => [route, []]));
  for (const { feed, ...row } of deleted) tombstones.get(feeds.routes[feed])?.push(row);
  return { bounds: new Map(rows.map((r) => [r.table_name, { n: r.n, last: r.last }])), tombstones };
}

/** One page of a feed's tombstones after `position`, in the window's snapshot (`from`). */
export function readTombstonePage(runner: QueryRunner, from: string, tables: TableModel[], limit: number, position: PageToken): Promise<TombstoneRow[]> {
  return runner.query(TOMBSTONE_PAGE_SQL, [from, tables.map((t) => t.table), limit, position.k.length ? position.x : '0', position.k[0] ?? '0']);
}

/** Tombstones as they go on the wire: the key by property names. */
export function tombstoneWire(tables: TableModel[], rows: TombstoneRow[]) {
  const byName = new Map(tables.map((t) => [t.table, t]));
  return rows.map((r) => {
    const model = byName.get(r.table_name)!;
    const key: Record<string, string> = {};
    for (const column of model.key) key[model.columns.find((c) => c.column === column)!.property] = r.row_key[column];
    const wire: TombstoneWire = { table: r.table_name, key, deletedAt: r.deleted_at, originNodeId: r.origin_node_id };
    return { id: r.id, x: r.x, wire };
  });
}
