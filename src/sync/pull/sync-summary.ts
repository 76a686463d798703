import { AggregateName } from '../../core/sync-kernel/aggregate-spec';
import { TableResult } from '../import/import.types';
import type { AggregateCounts, SyncSummary } from '../../../client/src/types';

/** What a pull did (or a preview would do), per table, per aggregate and for files: the wire contract in client/. */
export type { AggregateCounts, SyncSummary };

/** The file counts of a pull (FetchResult). */
export interface FetchedFiles {
  files: { size: number }[];
  storedFiles: string[];
  presentFiles: number;
  filesToDownload: number;
  bytesToDownload: number;
  bytesDownloaded: number;
}

/**
 * Totals of a pull; `entitiesReceived` counts rows per aggregate (the reference's field) and the
 * files under their spec's name (the reference's "recordings").
 */
export function summarize(
  tables: TableResult[],
  fetched: FetchedFiles,
  durationMs: number,
  aggregateOf?: (table: string) => AggregateName,
  filesName?: string,
): SyncSummary {
  const totals: AggregateCounts = { received: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, conflicts: 0 };
  const entitiesReceived: Record<string, number> = {};
  for (const t of tables) {
    totals.received += t.received;
    totals.inserted += t.inserted;
    totals.updated += t.updated;
    totals.unchanged += t.unchanged;
    totals.deleted += t.deleted;
    totals.conflicts += t.conflicts;
    if (aggregateOf) {
      const aggregate = aggregateOf(t.table);
      entitiesReceived[aggregate] = (entitiesReceived[aggregate] ?? 0) + t.received;
    }
  }
  if (filesName) entitiesReceived[filesName] = fetched.files.length;
  return {
    tables,
    totals,
    entitiesReceived,
    files: {
      referenced: fetched.files.length,
      downloaded: fetched.storedFiles.length,
      alreadyPresent: fetched.presentFiles,
      bytesDownloaded: fetched.bytesDownloaded,
      bytesReferenced: fetched.files.reduce((n, f) => n + f.size, 0),
      toDownload: fetched.filesToDownload,
      bytesToDownload: fetched.bytesToDownload,
    },
    durationMs,
  };
}
