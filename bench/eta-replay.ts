import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SYNC_SPECS } from '../src/aggregates';
import { APPLY_FIXED_SECONDS, estimate, extraApplyUnits, FINISH_FIXED_SECONDS, LOAD_TABLE_ROWS, PROGRESS_TICK_MS, stageMeters, TABLE_ROWS } from '../src/sync/pull/progress-model';
import { etaAccuracy, etaAccuracyByPhase, ProgressPoint } from './eta-metric';

/**
 * Replays the progress traces a bench run recorded (bench/results/*.json, full and files pulls)
 * through the progress model as it is now, and scores its ETA as the bench does: a model change
 * can be judged on recorded pulls in a second instead of a new bench run. Approximate: the trace
 * holds the snapshots the job published (every 200 ms at most), not every page. It also prints each
 * pull's stages as the trace shows them, with the ratios the model's priors are medians of
 * (progress-model.ts): when the stages' costs change, new runs say what the priors should be.
 *
 *   npm run build && node dist/bench/eta-replay.js bench/results/<run>.json …
 */

interface TracedCase {
  size: string;
  case: string;
  times: number[];
  traces?: ProgressPoint[][];
}

/**
 * The trace as a job publishes it now: a running job republishes every PROGRESS_TICK_MS when
 * nothing reports (the silent parts of the apply and the files' flush), which traces recorded
 * before that lack. The ticks carry the snapshot before them, at their own time.
 */
export function withTicks(trace: ProgressPoint[], tickMs = PROGRESS_TICK_MS): ProgressPoint[] {
  const out: ProgressPoint[] = [];
  trace.forEach((p, i) => {
    out.push(p);
    const next = trace[i + 1];
    if (!next || p.state !== 'running') return;
    for (let at = p.atMs + tickMs; at < next.atMs; at += tickMs) out.push({ ...p, atMs: at });
  });
  return out;
}

/** A table's natural keys (AggregateSpec.naturalKeys), as the catalog gives them to the apply's plan. */
function naturalKeysOf(table: string | null | undefined): number {
  return table ? SYNC_SPECS.reduce((n, spec) => n + Object.keys(spec.naturalKeys?.[table] ?? {}).length, 0) : 0;
}

/** The extra apply units (extraApplyUnits) of `rows` rows reported with `table` named. */
const extraUnits = (table: string | null | undefined, rows: number) => extraApplyUnits({ table: table ?? '', rows, naturalKeys: naturalKeysOf(table) });

/** The ETA the model gives at each snapshot of a trace (with the ticks a job publishes now), fed what the snapshots say. */
export function replay(recorded: ProgressPoint[]): ProgressPoint[] {
  const trace = withTicks(recorded);
  const { fetch, files, apply, rowsFetched } = stageMeters();
  let percent = 0;
  const out: ProgressPoint[] = [];
  // Each rise of the applied count is one table with rows (the tracker learns their number from
  // the staging before the apply; a trace has it only in hindsight).
  const applying = trace.filter((p) => p.phase === 'applying').map((p) => p.appliedDone);
  const tables = applying.filter((done, i) => done > (i === 0 ? 0 : applying[i - 1])).length;
  // Each rise's rows weigh by the table the snapshot names (the one applied last): the tracker's plan
  // weighs each table's staged rows by its natural keys (progress-model.ts NATURAL_KEY_ROWS).
  let extraTotal = 0;
  trace.filter((p) => p.phase === 'applying').reduce((before, p) => {
    if (p.appliedDone > before) extraTotal += extraUnits(p.table, p.appliedDone - before);
    return Math.max(before, p.appliedDone);
  }, 0);
  let applied = { rows: 0, units: 0 };
  // The apply's loads (traces since h-eta4): traces of the first runs lack the tables' count, one per rise of the seconds.
  let loaded: { tables: number; rows: number; seconds: number } | undefined;
  for (const p of trace) {
    if (p.loadedRows !== undefined && p.loadedSeconds !== undefined) {
      const rose = !loaded || p.loadedSeconds > loaded.seconds;
      loaded = { tables: p.loadedTables ?? (loaded?.tables ?? 0) + (rose && p.loadedSeconds > 0 ? 1 : 0), rows: p.loadedRows, seconds: p.loadedSeconds };
    }
    const now = p.atMs;
    if (p.rowsTotal > 0 && fetch.total === 0) {
      fetch.total = p.bytesTotal;
      rowsFetched.total = p.rowsTotal;
      apply.total = p.rowsTotal + TABLE_ROWS * tables + extraTotal;
      files.total = p.fileBytesTotal;
    }
    if (p.phase === 'fetching') {
      fetch.start(now);
      rowsFetched.start(now);
    }
    if (p.phase === 'files' || p.phase === 'applying') {
      fetch.start(now);
      fetch.record(p.bytesDone, now);
      rowsFetched.record(p.rowsDone, now);
      fetch.finish(now);
      rowsFetched.finish(now);
    }
    if (p.phase === 'files') files.start(now);
    if (p.phase === 'applying') {
      files.start(now);
      files.record(p.fileBytesDone, now);
      files.finish(now);
      apply.start(now);
    }
    if (p.phase === 'fetching') {
      fetch.record(p.bytesDone, now);
      rowsFetched.record(p.rowsDone, now);
    }
    if (p.phase === 'files') files.record(p.fileBytesDone, now);
    if (p.phase === 'applying') {
      if (p.appliedDone > applied.rows) {
        const rows = p.appliedDone - applied.rows;
        applied = { rows: p.appliedDone, units: applied.units + rows + TABLE_ROWS + extraUnits(p.table, rows) };
      }
      apply.record(applied.units, now);
      // The trace has no event for the last table: its last applied row stands for it.
      if (p.rowsTotal > 0 && p.appliedDone >= p.rowsTotal) apply.finish(now);
    }
    if (p.state !== 'running') {
      out.push(p);
      continue;
    }
    const e = estimate({ fetch, files, apply, rowsFetched, loaded, startedAtMs: 0, nowMs: now, previousPercent: percent });
    percent = e.percent;
    out.push({ ...p, percent: e.percent, etaSeconds: e.etaSeconds });
  }
  return out;
}

/** Seconds of each stage of a traced pull, as its snapshots show them. */
export interface Stages {
  fetch: number;
  /** Transfer and flush of a files pull (the flush: from the last byte to the apply). */
  files?: { transfer: number; flush: number; gb: number };
  load: number;
  tables: number;
  finish: number;
  /** The seconds loading all the pull's rows takes at the rate of the loads done by the fetch's end (traces since h-eta4). */
  loadsForAllRows?: number;
}

export function stagesOf(trace: ProgressPoint[], totalMs: number): Stages | null {
  const at = (pred: (p: ProgressPoint) => boolean) => trace.find(pred)?.atMs;
  const rows = trace.find((p) => p.rowsTotal > 0)?.rowsTotal ?? 0;
  const fileBytes = trace.find((p) => p.fileBytesTotal > 0)?.fileBytesTotal ?? 0;
  const fetchStart = at((p) => p.phase === 'fetching');
  const filesStart = at((p) => p.phase === 'files');
  const lastByte = fileBytes > 0 ? at((p) => p.fileBytesDone >= fileBytes) : undefined;
  const applyStart = at((p) => p.phase === 'applying');
  const firstTable = at((p) => p.phase === 'applying' && p.appliedDone > 0);
  const lastTable = at((p) => p.phase === 'applying' && p.appliedDone >= rows);
  if (fetchStart === undefined || applyStart === undefined || firstTable === undefined || lastTable === undefined) return null;
  const files = filesStart !== undefined && lastByte !== undefined ? { transfer: (lastByte - filesStart) / 1000, flush: (applyStart - lastByte) / 1000, gb: fileBytes / 1e9 } : undefined;
  const loads = trace.filter((p) => p.atMs <= applyStart && p.loadedSeconds).at(-1);
  const loadsForAllRows = loads?.loadedTables ? (loads.loadedSeconds! / (loads.loadedRows! + LOAD_TABLE_ROWS * loads.loadedTables)) * rows : undefined;
  return { fetch: ((filesStart ?? applyStart) - fetchStart) / 1000, files, load: (firstTable - applyStart) / 1000, tables: (lastTable - firstTable) / 1000, finish: (totalMs - lastTable) / 1000, loadsForAllRows };
}

/**
 * The ratios the model's priors are medians of (progress-model.ts): a full pull's, or a files pull's
 * flush. The apply and the finish are a fixed part plus a ratio: the ratio is of what exceeds the
 * fixed part (the fixed parts, fitted on small and large pulls, stay as they are).
 */
export function ratiosOf(s: Stages): Record<string, number> {
  // A files pull's apply (one small table) says nothing about a full pull's ratios.
  if (s.files) return { 'FLUSH_SECONDS_PER_GB (flush s per GB)': s.files.flush / s.files.gb };
  const apply = s.load + s.tables + s.finish;
  return {
    'APPLY_PER_FETCH ((apply − fixed) / fetch)': (apply - APPLY_FIXED_SECONDS) / s.fetch,
    ...(s.loadsForAllRows ? { 'APPLY_PER_LOAD ((apply − fixed) / loads for all rows)': (apply - APPLY_FIXED_SECONDS) / s.loadsForAllRows } : {}),
    'LOAD_SHARE (load / apply)': s.load / apply,
    'FINISH_PER_TABLES ((finish − fixed) / tables)': (s.finish - FINISH_FIXED_SECONDS) / s.tables,
  };
}

function describe(s: Stages | null): string {
  if (!s) return '  stages: incomplete trace';
  const f = (x: number) => x.toFixed(2);
  const files = s.files ? ` files ${f(s.files.transfer)} s, flush ${f(s.files.flush)} s,` : '';
  const ratios = Object.entries(ratiosOf(s)).map(([name, value]) => `${name.slice(name.indexOf(' (') + 2, -1)} ${f(value)}`);
  return `  stages: fetch ${f(s.fetch)} s,${files} load ${f(s.load)} s, tables ${f(s.tables)} s, finish ${f(s.finish)} s (${ratios.join(', ')})`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(paths: string[]): void {
  const ratios = new Map<string, number[]>();
  const worst = new Map<string, number[]>();
  for (const path of paths) {
    const run = JSON.parse(readFileSync(path, 'utf8')) as { results: TracedCase[] };
    for (const c of run.results) {
      c.traces?.forEach((trace, i) => {
        if (!trace.length || trace[0].bytesTotal === undefined) return;
        // The same metric for both: what the run's model said, and what the model now says.
        const recorded = etaAccuracy(trace, c.times[i]);
        const now = etaAccuracy(replay(trace), c.times[i]);
        const pct = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x * 100)} %`);
        const line = (a: typeof now) =>
          `worst ${pct(a.worstError)} ${a.worst ? `(${a.worst.etaSeconds} s said, ${a.worst.remainingSeconds} s left, ${a.worst.percent} %, ${a.worst.phase})` : ''} median ${pct(a.medianError)}, ${pct(a.within20)} within 20 %; ${a.points} snapshots with an ETA, ${a.withoutEta} without`;
        const stages = stagesOf(trace, c.times[i]);
        // Which phase the replayed errors come from (a diagnostic: the metric is the line above).
        const byPhase = Object.entries(etaAccuracyByPhase(replay(trace), c.times[i]));
        const phases = byPhase.map(([phase, a]) => `${phase} ${pct(a.worstError)} (median ${pct(a.medianError)})`);
        for (const [phase, a] of byPhase) if (a.worstError !== undefined) worst.set(`${c.size} ${c.case}, ${phase}`, [...(worst.get(`${c.size} ${c.case}, ${phase}`) ?? []), a.worstError]);
        console.log(`${basename(path)} ${c.size} ${c.case} (${(c.times[i] / 1000).toFixed(1)} s)\n  recorded: ${line(recorded)}\n  replayed: ${line(now)}\n  replayed, worst by phase: ${phases.join(', ') || '–'}\n${describe(stages)}`);
        if (now.worstError !== undefined) worst.set(`${c.size} ${c.case}`, [...(worst.get(`${c.size} ${c.case}`) ?? []), now.worstError]);
        if (stages) for (const [name, value] of Object.entries(ratiosOf(stages))) ratios.set(name, [...(ratios.get(name) ?? []), value]);
      });
    }
  }
  console.log('replayed worst errors per case (each pull\'s worst; the target is ≤ 20 %):');
  for (const [name, values] of [...worst].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${name}: median ${Math.round(median(values) * 100)} %, highest ${Math.round(Math.max(...values) * 100)} %, ${values.filter((v) => v <= 0.2).length} of ${values.length} pulls ≤ 20 %`);
  // What the priors would be from these runs alone: when the stages' costs change, new runs say.
  console.log('medians over these pulls:');
  for (const [name, values] of ratios) console.log(`  ${name}: ${median(values).toFixed(2)} (${values.length} pulls, ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`);
}

if (require.main === module) main(process.argv.slice(2));
