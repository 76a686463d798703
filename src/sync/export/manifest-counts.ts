import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { FileTotals } from '../files/synced-files.port';
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
