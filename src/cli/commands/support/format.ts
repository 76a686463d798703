import { filesText, formatBytes, formatDuration, progressCounts, summaryCounts, type SyncManifest, type SyncProgress, type SyncSummary } from '../../../../client/src/index.js';

export { formatBytes, formatDuration };

/** A number, a size ("1.2 KiB") or a placeholder: right-aligned in tables. */
const NUMERIC_CELL = /^(-|\d[\d.,]*( [KMGT]?i?B)?)$/;

/** Columns of numbers and sizes right-aligned (header too), every other column left-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => NUMERIC_CELL.test(String(r[i]))) && rows.some((r) => String(r[i]) !== '-'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The footer of a paged listing: "page 2/5 (93 syncs)". */
export function pageFooter(list: { page: number; totalPages: number; totalRecords: number }, noun: string): string {
  return `page ${list.page}/${Math.max(1, list.totalPages)} (${list.totalRecords} ${noun})`;
}

/** What the peer offers: rows, deletions and bytes per aggregate, plus files. */
export function formatManifest(manifest: SyncManifest): string {
  const aggregates = Object.entries(manifest.aggregates ?? {});
  const rows = aggregates.map(([name, s]) => [name, s!.rows, s!.tombstones, formatBytes(s!.bytes)]);
  const total = aggregates.reduce((t, [, s]) => ({ rows: t.rows + s!.rows, tombstones: t.tombstones + s!.tombstones, bytes: t.bytes + s!.bytes }), { rows: 0, tombstones: 0, bytes: 0 });
  rows.push(['total', total.rows, total.tombstones, formatBytes(total.bytes)]);
  const files = manifest.files ?? { count: manifest.recordings?.count ?? 0, totalBytes: manifest.recordings?.totalSizeBytes ?? 0 };
  return [
    `Peer "${manifest.nodeName}" (${manifest.protocolNodeId}), protocol ${manifest.protocolVersion}, schema ${manifest.schemaVersion}`,
    table(['aggregate', 'rows', 'deletions', 'size'], rows),
    `recording files: ${files.count} (${formatBytes(files.totalBytes)})`,
  ].join('\n');
}

/** Inserted/updated/deleted/conflicts per aggregate, totals, files and duration. */
export function formatSummary(summary: SyncSummary, title = 'Summary', kind: 'pull' | 'preview' = 'pull'): string {
  const { byAggregate, total } = summaryCounts(summary);
  const rows: (string | number)[][] = [...byAggregate, ['total', total] as const].map(([name, c]) => [name, c.received, c.inserted, c.updated, c.unchanged, c.deleted, c.conflicts]);
  const f = summary.files;
  // The progress line's rows count deletions too (the manifest's unit): so do this line and the table.
  const deletions = summary.tables.reduce((n, t) => n + (t.tombstonesReceived ?? 0), 0);
  const among = deletions > 0 ? ` (${deletions} of them ${deletions === 1 ? 'a deletion' : 'deletions'})` : '';
  const received = `${total.received} ${total.received === 1 ? 'row' : 'rows'}`;
  // A preview receives nothing for good: it says what a pull would bring and how long it looked.
  const headline = kind === 'preview' ? `${received}${among} (previewed in ${formatDuration(summary.durationMs)})` : `${received} received${among} in ${formatDuration(summary.durationMs)}`;
  return [
    `${title}: ${headline}`,
    table(['aggregate', 'received', 'inserted', 'updated', 'unchanged', 'deleted', 'conflicts'], rows),
    `files: ${filesText(f, kind)}`,
  ].join('\n');
}

/** One status line: bar, percentage, phase/aggregate, then the counts the console shows too (rows, bytes, files, rate, ETA). */
export function progressLine(p: SyncProgress, width = 30): string {
  const filled = Math.round((Math.min(100, p.percent) / 100) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const where = p.aggregate ? `${p.phase} ${p.aggregate}` : p.phase;
  return `${bar} ${String(p.percent).padStart(3)}% ${where.padEnd(20)} ${progressCounts(p)}`;
}

/** Redraws the progress line in place on a TTY; prints a line per phase change otherwise. */
export class ProgressBar {
  private lastPhase = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(progress: SyncProgress): void {
    const line = progressLine(progress);
    if (this.out.isTTY) {
      this.out.write(`\r${line.slice(0, (this.out.columns ?? 120) - 1).padEnd(Math.min(line.length, (this.out.columns ?? 120) - 1))}\x1b[K`);
    } else {
      const key = `${progress.phase}:${progress.aggregate ?? ''}:${progress.state}`;
      if (key !== this.lastPhase) this.out.write(`${line}\n`);
      this.lastPhase = key;
    }
  }

  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
