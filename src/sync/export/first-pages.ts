import { QueryRunner } from 'typeorm';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { PageToken } from '../shared/tokens';
import { firstPageBoundsSql, firstTombstonePagesSql, TOMBSTONE_PAGE_SQL } from './export-sql';
import { TombstoneWire } from './export.types';
import { WindowCounts } from './export-windows';

/**
 * A page's bounds (windowPageBoundsSql): its rows, and the last one's position (JSON text); null
 * with rows: a first page of fewer rows than a page, the table's whole window (WindowCounts).
 */
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
  counts?: WindowCounts,
): Promise<FirstPages> {
  const known = counts ? countedFirstPages(counts, feeds.tables.flat(), pageSize) : new Map<string, PageBounds>();
  const tables = feeds.tables.flat().filter((t) => !known.has(t)).map((t) => catalog.table(t));
  const rows: (PageBounds & { table_name: string })[] = tables.length > 0 ? await runner.query(firstPageBoundsSql(tables), [from, pageSize]) : [];
  const bounds = new Map([...known, ...rows.map((r): [string, PageBounds] => [r.table_name, { n: r.n, last: r.last }])]);
  // The manifest counted no tombstone in any of these feeds: each feed's tombstone page is empty.
  if (counts && feeds.tables.flat().every((t) => (counts.tombstones.get(t) ?? 0) === 0)) {
    return { bounds, tombstones: new Map(feeds.routes.map((route) => [route, []])) };
  }
  const total = Math.max(1, budget);
  const deleted: (TombstoneRow & { feed: number })[] = await runner.query(firstTombstonePagesSql(feeds.routes.length), [from, pageSize, total, ...feeds.tables]);
  const complete = deleted.length < total ? feeds.routes.length : deleted.at(-1)!.feed;
  const tombstones = new Map<string, TombstoneRow[]>(feeds.routes.slice(0, complete).map((route) => [route, []]));
  for (const { feed, ...row } of deleted) tombstones.get(feeds.routes[feed])?.push(row);
  return { bounds, tombstones };
}

/**
 * First pages known from the manifest's counts, in the window's own snapshot (WindowCounts): a
 * table without rows (nothing to read), or with fewer than a page (the page is its whole window:
 * no bounds to read, its COPY runs to the table's end, and the next page is the next table's). A
 * table of a page or more still reads its bounds: its page ends at a position only the index says.
 */
export function countedFirstPages(counts: WindowCounts, tables: readonly string[], pageSize: number): Map<string, PageBounds> {
  const known = new Map<string, PageBounds>();
  for (const table of tables) {
    const n = counts.rows.get(table);
    if (n !== undefined && n < pageSize) known.set(table, { n, last: null });
  }
  return known;
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
