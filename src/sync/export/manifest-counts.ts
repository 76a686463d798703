import { QueryRunner } from 'typeorm';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { FileTotals, SyncedFiles } from '../files/synced-files.port';
import { TOMBSTONE_STATS_SQL, windowStatsSql } from './export-sql';
import { WindowCounts } from './export-windows';
import { feedTables, SyncManifest } from './export.types';

/** One table's changes in a window: rows, their bytes, the latest change. */
export type TableStats = { rows: number; bytes: number; latest: string | null };

/** The reference's flat file entry, e.g. `recordings: {count, totalSizeBytes}`. */
export function referenceFileEntry(name: string, totals: FileTotals) {
  return { [name]: { count: totals.count, totalSizeBytes: totals.bytes } };
}

/**
 * The manifest's counts from a window's per-table stats (a table not in them: nothing changed):
 * per feed (and per table of each feed with `perTable`, for copy-parts), per aggregate, and the
 * reference's flat fields.
 */
export function manifestCounts(catalog: SyncCatalog, stats: Map<string, TableStats>, tombstones: Map<string, number>, totals: FileTotals, perTable = false) {
  const none = { rows: 0, bytes: 0, latest: null };
  const feeds: SyncManifest['feeds'] = [];
  const aggregates: SyncManifest['aggregates'] = {};
  const reference: Record<string, { count: number; latestUpdate: string | null }> = {};
  for (const feed of catalog.feeds()) {
    const aggregate = catalog.aggregateOf(feed.root);
    const entry: NonNullable<SyncManifest['feeds']>[number] = { route: feed.route, aggregate, rows: 0, tombstones: 0, bytes: 0, ...(perTable ? { tables: {} } : {}) };
    for (const name of feedTables(feed)) {
      if (entry.tables) entry.tables[name] = (stats.get(name) ?? none).rows;
      entry.rows += (stats.get(name) ?? none).rows;
      entry.bytes += (stats.get(name) ?? none).bytes;
      entry.tombstones += tombstones.get(name) ?? 0;
    }
    feeds.push(entry);
    const total = (aggregates[aggregate] ??= { rows: 0, tombstones: 0, bytes: 0 });
    total.rows += entry.rows;
    total.tombstones += entry.tombstones;
    total.bytes += entry.bytes;
    // The reference counts top-level rows per aggregate.
    const root = stats.get(feed.root) ?? none;
    const flat = (reference[aggregate] ??= { count: 0, latestUpdate: null });
    flat.count += root.rows;
    if (root.latest && (!flat.latestUpdate || root.latest > flat.latestUpdate)) flat.latestUpdate = root.latest;
  }
  const files = catalog.files();
  const fileEntry = files ? referenceFileEntry(files.spec.name, totals) : {};
  return { ...reference, ...fileEntry, feeds, aggregates, files: { count: totals.count, totalBytes: totals.bytes } };
}

/**
 * Counts of a window, in its snapshot (`runner`): the manifest's (per feed and aggregate, plus the
 * reference's flat fields) and, per table, the rows and tombstones the window's holder keeps
 * (WindowCounts, first-pages.ts).
 */
export async function windowStats(runner: QueryRunner, from: string, catalog: SyncCatalog, files: SyncedFiles, perTable = false) {
  const tombstones = new Map<string, number>(((await runner.query(TOMBSTONE_STATS_SQL, [from])) as { table_name: string; n: number }[]).map((r) => [r.table_name, r.n]));
  const stats = new Map<string, TableStats>(
    ((await runner.query(windowStatsSql(catalog.tables()), [from])) as { table_name: string; rows: string; bytes: string; latest: string | null }[]).map((r) => [
      r.table_name,
      { rows: Number(r.rows), bytes: Number(r.bytes), latest: r.latest },
    ]),
  );
  const totals = catalog.files() ? await files.windowTotals(runner, from) : { count: 0, bytes: 0 };
  const counts: WindowCounts = { rows: new Map([...stats].map(([table, s]) => [table, s.rows])), tombstones };
  return { manifest: manifestCounts(catalog, stats, tombstones, totals, perTable), counts };
}
