import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HeapFigures, SourceCost } from './process-stats';
import type { EtaAccuracy, ProgressPoint } from './progress-trace';
import { escapeCell, fmt, median, percentile } from './format';
import { targetTable, TargetRow } from './targets';

export { median };

export type CaseName =
  | 'full pull'
  | 'no-op pull'
  | '1% change pull'
  | 'files pull'
  | 'pg_dump | psql'
  | 'raw HTTP file copy'
  | 'logical replication: initial copy'
  | 'logical replication: 1% change'
  | 'pg_dump | psql on the logical replication server'
  | 'CouchDB replication: full'
  | 'CouchDB replication: no-op'
  | 'CouchDB replication: 1% change';

/** One measured case of one dataset size. Times in ms; RSS in MB (peak during the case). */
export interface CaseResult {
  size: string;
  case: CaseName;
  /** Every repetition's time (no-op: every pull, timed with no sampler running). */
  times: number[];
  /** No-op: the pulls timed under the samplers, which the CPU and memory columns come from. */
  sampledTimes?: number[];
  rows?: number;
  bytes?: number;
  /** Peak RSS of the node processes (CouchDB cases: of the PouchDB target and source servers). */
  rssRequesterMb?: number;
  rssSourceMb?: number;
  /** This case's median time ÷ each baseline's median time, by baseline case. */
  ratios?: Partial<Record<CaseName, number>>;
  note?: string;
  /** What each repetition cost the source (pull cases). */
  sourceCosts?: SourceCost[];
  /** ETA accuracy of each repetition (full pull) and the progress snapshots it was computed from. */
  eta?: EtaAccuracy[];
  traces?: ProgressPoint[][];
  /** Job starts retried because the previous job was still releasing its lock. */
  retries?: number;
}

export interface DatasetInfo {
  size: string;
  rows: number;
  tableBytes: number;
  perTable: Record<string, number>;
  /** RSS of each node process before its first pull (nodes.ts idleMemory). */
  idleRssMb?: { requester: number; source: number };
  /** Their V8 heap at that moment (from /metrics). */
  idleHeap?: { requester?: HeapFigures; source?: HeapFigures };
}

/** "heap 45 of 49 MB, new space 1 MB, external 4 MB". */
export function heapText(heap: HeapFigures | undefined): string {
  return heap ? `heap ${heap.usedMb} of ${heap.totalMb} MB, new space ${heap.newSpaceMb} MB, external ${heap.externalMb} MB` : 'heap not reported';
}

export interface RunReport {
  startedAt: string;
  host: string;
  machine: { cpus: number; loadBefore: number[]; loadAfter?: number[]; loadDuring?: { size: string; load: number[] }[] };
  server: { kind: string; version: string; tools?: string; toolsNote?: string };
  settings: Record<string, unknown>;
  datasets: DatasetInfo[];
  results: CaseResult[];
  /** One line per peer case that ran elsewhere or was skipped, and why. */
  peerNotes: string[];
  targets?: TargetRow[];
}

/** Short names of the baselines in the ratio column. */
const BASELINE_LABEL: Partial<Record<CaseName, string>> = {
  'pg_dump | psql': 'pg_dump',
  'raw HTTP file copy': 'raw copy',
  'logical replication: initial copy': 'logical',
  'logical replication: 1% change': 'logical',
  'CouchDB replication: full': 'CouchDB',
  'CouchDB replication: no-op': 'CouchDB',
  'CouchDB replication: 1% change': 'CouchDB',
};

export function ratioText(result: CaseResult): string {
  return Object.entries(result.ratios ?? {})
    .map(([baseline, ratio]) => `${fmt(ratio, 2)}× ${BASELINE_LABEL[baseline as CaseName] ?? baseline}`)
    .join(' · ');
}

/** The table of every case, as Markdown (also what is printed). */
export function resultTable(results: CaseResult[]): string {
  const lines = [
    '| size | case | reps | time s (median) | rows/s | MB/s | p50 / p95 ms | RSS requester / source MB | our time ÷ baseline |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ms = median(r.times);
    const perSecond = (x?: number) => (x === undefined ? undefined : x / (ms / 1000));
    const latency = r.case.endsWith('no-op pull') || r.case.endsWith('no-op') ? `${fmt(percentile(r.times, 50))} / ${fmt(percentile(r.times, 95))}` : '';
    const rss = r.rssRequesterMb === undefined && r.rssSourceMb === undefined ? '' : `${r.rssRequesterMb ?? ''} / ${r.rssSourceMb ?? ''}`;
    const note = [r.note, r.retries ? `${r.retries} job starts retried: previous lock still held` : undefined].filter(Boolean).join('; ');
    lines.push(
      `| ${r.size} | ${escapeCell(r.case)}${note ? ` (${escapeCell(note)})` : ''} | ${r.times.length} | ${fmt(ms / 1000, 2)} | ${fmt(perSecond(r.rows))} | ${fmt(perSecond(r.bytes === undefined ? undefined : r.bytes / 1e6), 1)} | ${latency} | ${rss} | ${ratioText(r)} |`,
    );
  }
  return lines.join('\n');
}

/** What each pull case cost the source (medians over the repetitions), and the nodes' idle memory. */
export function sourceCostTable(report: RunReport): string {
  const lines = [
    '| size | case | snapshot held s | source node CPU s | source database CPU s | requester node CPU s | wall s |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of report.results.filter((x) => x.sourceCosts?.length)) {
    const m = (pick: (c: SourceCost) => number | undefined) => {
      const values = r.sourceCosts!.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? fmt(median(values) / 1000, 2) : 'not visible';
    };
    lines.push(`| ${r.size} | ${escapeCell(r.case)} | ${m((c) => c.snapshotHeldMs)} | ${m((c) => c.nodeCpuMs)} | ${m((c) => c.dbCpuMs)} | ${m((c) => c.requesterCpuMs)} | ${m((c) => c.wallMs)} |`);
  }
  return lines.join('\n');
}

export function writeReport(report: RunReport, dir: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:]/g, '-').slice(0, 19);
  const base = join(dir, `${stamp}-${hostname()}`);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const md = [
    `# Sync benchmark ${report.startedAt} on ${report.host}`,
    '',
    `Machine: ${report.machine.cpus} CPUs, load average (1/5/15 min) before ${load(report.machine.loadBefore)}` +
      (report.machine.loadAfter ? `, after ${load(report.machine.loadAfter)}` : '') +
      (report.machine.loadDuring?.length ? `; after each size: ${report.machine.loadDuring.map((d) => `${d.size} ${load(d.load)}`).join(', ')}` : '') +
      `. PostgreSQL ${report.server.version} (${report.server.kind}); baseline tools: ${report.server.tools ?? report.server.toolsNote}.`,
    '',
    `Settings: ${Object.entries(report.settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    '',
    '| dataset | rows | table data MB | idle RSS requester / source MB | requester idle heap |',
    '|---|---|---|---|---|',
    ...report.datasets.map((d) => `| ${d.size} | ${fmt(d.rows)} | ${fmt(d.tableBytes / 1e6, 1)} | ${d.idleRssMb ? `${d.idleRssMb.requester} / ${d.idleRssMb.source}` : ''} | ${d.idleHeap ? heapText(d.idleHeap.requester) : ''} |`),
    '',
    ...report.peerNotes.map((n) => `- ${n}`),
    '',
    resultTable(report.results),
    '',
    '## Targets (issue 18) beside the three baselines',
    '',
    targetTable(report.targets ?? []),
    '',
    "## The source's cost",
    '',
    sourceCostTable(report),
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  return { md: `${base}.md`, json: `${base}.json` };
}
