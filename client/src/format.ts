/** Display helpers shared by the CLI, the admin console and desktop clients. */

import { aggregateOfTable, type FeedLag, type ResumeReport, type SyncProgress, type SyncSummary, type TableResult } from './types.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * Time left as the API gives it: whole seconds (etaSeconds, rounded to the nearest), so no tenths
 * that are not there ("2.0 s"), and 0 is under half a second, not "0 ms".
 */
export function formatEta(seconds: number): string {
  if (seconds < 1) return 'less than a second';
  if (seconds < 60) return `${seconds} s`;
  return formatDuration(seconds * 1000);
}

/** The counts of a job's progress (rows, page bytes, files, rate, time left), as the CLI and the console show them. */
export function progressCounts(p: SyncProgress): string {
  const parts = [`${p.rows.done}/${p.rows.total} rows (${formatBytes(p.bytes.done)}/${formatBytes(p.bytes.total)})`];
  const f = p.files;
  if (f.total > 0) {
    const present = f.present ?? 0;
    const here = present > 0 ? `, ${present} already here` : '';
    // A preview downloads nothing: it says how many files a pull would download.
    if (p.kind === 'preview' && (p.phase === 'files' || p.phase === 'applying' || p.phase === 'done')) {
      parts.push(`${f.total - present} of ${f.total} files to download (${formatBytes(f.bytesTotal - (f.bytesPresent ?? 0))})${here}`);
    } else {
      parts.push(`${f.done}/${f.total} files (${formatBytes(f.bytesDone)}/${formatBytes(f.bytesTotal)})${here}`);
    }
  }
  const bytesPerSecond = p.bytesPerSecond ?? 0;
  if (p.state === 'running') {
    if (bytesPerSecond > 0) parts.push(`${formatBytes(bytesPerSecond)}/s${p.rowsPerSecond > 0 ? `, ${p.rowsPerSecond} rows/s` : ''}`);
    else if (p.rowsPerSecond > 0) parts.push(`${p.rowsPerSecond} rows/s`);
    // "about less than a second" says nothing an estimate could be about.
    if (p.etaSeconds !== null) parts.push(p.etaSeconds < 1 ? 'less than a second left' : `about ${formatEta(p.etaSeconds)} left`);
  }
  return parts.join(', ');
}

/** One line of a job's progress: percentage, phase and aggregate, then its counts. */
export function progressText(p: SyncProgress): string {
  const where = p.aggregate ? `${p.phase} ${p.aggregate}` : p.phase;
  return `${p.percent} % — ${where} — ${progressCounts(p)}`;
}

/** What a pull downloads (or a preview would): files referenced, already here, to download. */
export function filesText(files: SyncSummary['files'], kind: 'pull' | 'preview'): string {
  const toDownload = files.toDownload ?? files.referenced - files.alreadyPresent;
  const bytes = files.bytesToDownload !== undefined ? ` (${formatBytes(files.bytesToDownload)})` : '';
  if (kind === 'preview') return `${files.referenced} file(s) referenced, ${files.alreadyPresent} already here, ${toDownload} to download${bytes}`;
  return `${files.referenced} file(s) referenced, ${files.downloaded} downloaded (${formatBytes(files.bytesDownloaded)}), ${files.alreadyPresent} already here`;
}

/** How far behind a peer's change feed this node is (sync status): "unknown" when never measured. */
export function behindText(lag: FeedLag | null | undefined): string {
  if (!lag) return 'unknown';
  const at = `as of ${lag.measuredAt}`;
  if (lag.rows + lag.tombstones === 0 && lag.files === 0) return `up to date ${at}`;
  return `${lag.rows} rows, ${lag.tombstones} deletions, ${formatBytes(lag.bytes)}, ${lag.files} file(s) (${formatBytes(lag.fileBytes)}) behind ${at}`;
}

/** What a pull took over from the kept staging of an earlier pull that failed mid-fetch. */
export function resumedText(r: ResumeReport | null | undefined): string {
  if (!r) return '';
  return `continued sync ${r.fromJobId}: ${r.pages} page(s) (${r.rows} rows, ${formatBytes(r.pageBytes)}) and ${r.files} file(s) (${formatBytes(r.fileBytes)}) not fetched again`;
}

/** A pull's or preview's counts, per aggregate or in total. */
export type SummaryCounts = Pick<TableResult, 'received' | 'inserted' | 'updated' | 'unchanged' | 'deleted' | 'conflicts'>;

/**
 * A summary's counts per aggregate (tables named by `aggregateOf`) and in total, as the CLI and the
 * console show them: received counts the deletions (tombstones) too, as the progress's rows do, so
 * a pull the bar showed as 4/4 rows does not end with "3 received".
 */
export function summaryCounts(summary: SyncSummary, aggregateOf: (table: string) => string = aggregateOfTable): { byAggregate: Map<string, SummaryCounts>; total: SummaryCounts } {
  const zero = (): SummaryCounts => ({ received: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, conflicts: 0 });
  const byAggregate = new Map<string, SummaryCounts>();
  const total = zero();
  for (const t of summary.tables) {
    const name = aggregateOf(t.table);
    const c = byAggregate.get(name) ?? zero();
    for (const into of [c, total]) {
      for (const key of ['inserted', 'updated', 'unchanged', 'deleted', 'conflicts'] as const) into[key] += t[key];
      into.received += t.received + (t.tombstonesReceived ?? 0);
    }
    byAggregate.set(name, c);
  }
  return { byAggregate, total };
}
