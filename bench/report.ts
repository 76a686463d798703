import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** One measured case of one dataset size. Times in ms; RSS in MB (peak during the case). */
export interface CaseResult {
  size: string;
  case: 'full pull' | 'no-op pull' | '1% change pull' | 'files pull' | 'pg_dump | psql' | 'raw HTTP file copy';
  /** Every repetition's time (no-op: every pull). */
  times: number[];
  rows?: number;
  bytes?: number;
  rssRequesterMb?: number;
  rssSourceMb?: number;
  /** This case's median time over its baseline's median time. */
  vsBaseline?: number;
  note?: string;
}

export interface RunReport {
  startedAt: string;
  host: string;
  machine: { cpus: number; loadBefore: number[]; loadAfter?: number[] };
  server: { kind: string; version: string; tools?: string; toolsNote?: string };
  settings: Record<string, unknown>;
  datasets: { size: string; rows: number; tableBytes: number; perTable: Record<string, number> }[];
  results: CaseResult[];
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export const median = (xs: number[]) => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The table, as Markdown (also what is printed). */
export function resultTable(results: CaseResult[]): string {
  const lines = [
    '| size | case | reps | time s (median) | rows/s | MB/s | p50 / p95 ms | RSS requester / source MB | × baseline |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ms = median(r.times);
    const perSecond = (x?: number) => (x === undefined ? undefined : x / (ms / 1000));
    const latency = r.case === 'no-op pull' ? `${fmt(percentile(r.times, 50))} / ${fmt(percentile(r.times, 95))}` : '';
    lines.push(
      `| ${r.size} | ${r.case.replace(/\|/g, '\\|')}${r.note ? ` (${r.note})` : ''} | ${r.times.length} | ${fmt(ms / 1000, 2)} | ${fmt(perSecond(r.rows))} | ${fmt(perSecond(r.bytes === undefined ? undefined : r.bytes / 1e6), 1)} | ${latency} | ${r.rssRequesterMb ?? ''} / ${r.rssSourceMb ?? ''} | ${r.vsBaseline === undefined ? '' : fmt(r.vsBaseline, 2)} |`,
    );
  }
  return lines.join('\n');
}

/** The issue's targets, checked against what this run measured (null = not measured in this run). */
export function checkTargets(report: RunReport): TargetCheck[] {
  const find = (size: string, c: CaseResult['case']) => report.results.find((r) => r.size === size && r.case === c);
  const fulls = report.results.filter((r) => r.case === 'full pull');
  const checks: TargetCheck[] = [];
  for (const full of fulls) {
    const rate = full.rows! / (median(full.times) / 1000);
    checks.push({ target: `full pull ${full.size} ≥ 20,000 rows/s`, measured: `${fmt(rate)} rows/s`, met: rate >= 20_000 });
    if (full.vsBaseline !== undefined) checks.push({ target: `full pull ${full.size} ≤ 2× pg_dump|psql`, measured: `${fmt(full.vsBaseline, 2)}×`, met: full.vsBaseline <= 2 });
    const requester = full.rssRequesterMb ?? 0;
    checks.push({ target: `requester RSS ${full.size} ≤ 256 MB`, measured: `${requester} MB`, met: requester <= 256 });
  }
  const million = find('1m', 'full pull');
  checks.push({ target: '1M rows full pull ≤ 60 s', measured: million ? `${fmt(median(million.times) / 1000, 1)} s` : 'not run', met: million ? median(million.times) <= 60_000 : null });
  const hundredK = find('100k', 'full pull');
  if (million && hundredK && hundredK.rssRequesterMb) {
    const ratio = million.rssRequesterMb! / hundredK.rssRequesterMb;
    checks.push({ target: 'requester RSS flat: 1M within 1.2× of 100K', measured: `${fmt(ratio, 2)}×`, met: ratio <= 1.2 });
  } else checks.push({ target: 'requester RSS flat: 1M within 1.2× of 100K', measured: 'not run', met: null });
  for (const noop of report.results.filter((r) => r.case === 'no-op pull')) {
    const p50 = percentile(noop.times, 50);
    checks.push({ target: `no-op pull ${noop.size} p50 ≤ 50 ms`, measured: `${fmt(p50)} ms`, met: p50 <= 50 });
  }
  const change = find('1m', '1% change pull');
  checks.push({ target: '1 % change of 1M rows ≤ 2 s', measured: change ? `${fmt(median(change.times) / 1000, 2)} s` : 'not run', met: change ? median(change.times) <= 2000 : null });
  for (const files of report.results.filter((r) => r.case === 'files pull')) {
    const share = files.vsBaseline ? 1 / files.vsBaseline : undefined;
    checks.push({ target: 'files ≥ 80 % of raw HTTP copy throughput', measured: share ? `${fmt(share * 100)} %` : 'no baseline', met: share ? share >= 0.8 : null });
  }
  return checks;
}

export function writeReport(report: RunReport, dir: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:]/g, '-').slice(0, 19);
  const base = join(dir, `${stamp}-${hostname()}`);
  const targets = (report.targets ?? [])
    .map((t) => `| ${t.target.replace(/\|/g, '\\|')} | ${t.measured} | ${t.met === null ? '—' : t.met ? 'met' : '**not met**'} |`)
    .join('\n');
  const md = [
    `# Sync benchmark ${report.startedAt} on ${report.host}`,
    '',
    `Machine: ${report.machine.cpus} CPUs, load average before ${report.machine.loadBefore.map((l) => l.toFixed(2)).join(' / ')}` +
      (report.machine.loadAfter ? `, after ${report.machine.loadAfter.map((l) => l.toFixed(2)).join(' / ')}` : '') +
      `. PostgreSQL ${report.server.version} (${report.server.kind}); baseline tools: ${report.server.tools ?? report.server.toolsNote}.`,
    '',
    `Settings: ${Object.entries(report.settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    '',
    '| dataset | rows | table data MB |',
    '|---|---|---|',
    ...report.datasets.map((d) => `| ${d.size} | ${fmt(d.rows)} | ${fmt(d.tableBytes / 1e6, 1)} |`),
    '',
    resultTable(report.results),
    '',
    '| target | measured | |',
    '|---|---|---|',
    targets,
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  return { md: `${base}.md`, json: `${base}.json` };
}
