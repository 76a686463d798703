/**
 * The progress arithmetic of a sync job, pure (no clock, no I/O): how far along a job is, how fast
 * it moves and how long it still needs. The ProgressTracker feeds it and publishes the result to
 * everything that shows progress (job status, SSE events, sync log, CLI, console).
 *
 * A pull runs three stages, each measured in the unit its time follows:
 * - fetch: rows and page bytes (the manifest's size of each feed, counted as that feed's rows
 *   arrive), a row weighing FETCH_BYTES_PER_ROW bytes;
 * - files: bytes of the files to download (files already present cost nothing; a preview
 *   downloads none), then one flush of the batch, which reports nothing;
 * - apply: a load that reports nothing, then the tables (rows, plus TABLE_ROWS for each table with
 *   rows), then a finish that reports nothing (see LOAD_SHARE).
 * A stage that reports its work is estimated from its own recent rate. What reports nothing, or has
 * not started, is estimated from what was measured before it in this pull, with ratios derived from
 * the bench's pulls (bench/README.md "ETA"; `eta-replay` prints them for new runs): the apply from
 * the fetch's time and the speed of the apply's own loads on this database, the finish from the
 * tables' time, the flush from the bytes. The percentage is the elapsed share of the
 * estimated total time, so percent and ETA agree.
 */

import { applyLeft, applyPrior, LoadedSoFar } from './progress-apply';
import { FILES_MEASURED_MS, FILES_RAMP_MS, StageMeter, StageName } from './progress-meter';

// The constants, meters and apply model, for the tracker, the bench replay and the tests.
export * from './progress-apply';
export * from './progress-meter';

/**
 * The fetch's work weighs its rows and its bytes: a row costs as much as this many bytes. With COPY
 * pages the fetch is mostly per row: in the bench's 1M pulls its bytes/s fell 2.3× after the first
 * feeds (wide rows, 240–300 B) while its rows/s fell 1.4×, so bytes alone promised too short a fetch
 * (mean worst error in the fetch, replayed with the apply's real time: 31 % bytes, 22 % rows, 24 %
 * with 300 B a row, 2026-11-30T16–18 runs; on the 1M runs of 15:00–16:00, 27, 22 and 22 %; on the
 * 100K runs of 12:00–15:00, many with JSON pages, 15, 19 and 16 %: both, not rows alone).
 */
export const FETCH_BYTES_PER_ROW = 300;
/**
 * No estimate before the fetch has run this long and moved this share of its bytes: its first pages
 * are the small catalog tables, a round trip each, at a fraction of the later bytes/s (every bench
 * trace), and its estimate of the apply grows with its own (APPLY_PER_FETCH). The share was 0.3
 * until 2026-12-01 21:45: a quiet 1M pull's first estimate, at 30 % of its bytes, was 24 % long
 * (18 s said, 14.5 s left) and fell to 16 s within 0.7 s; at 0.4 the estimate starts at ~22 % of
 * the pull (bench/README.md "ETA: the first estimate later, the loads weighing 0.7").
 */
export const FIRST_ESTIMATE_MS = 2000;
export const FIRST_ESTIMATE_SHARE = 0.4;
/** A file byte moves this many times faster than a page byte (no staging, no parsing). */
export const FILE_BYTES_PER_PAGE_BYTE = 4;
/**
 * After the last file byte, the files not flushed yet and the directories are made durable: seconds
 * per GB downloaded. Since each file is flushed as it arrives (in the background), 0.06–0.17 s per
 * GB in the bench's files pulls (median 0.1; it was 0.56–0.71 with one flush after the last byte,
 * and that prior made the ETA "2 s" with 1.02 s left, 2026-11-30T17-03-16 and T18-04-00).
 */
export const FLUSH_SECONDS_PER_GB = 0.1;

export interface ProgressEstimate {
  /** 0–99 while running (100 is the tracker's, at completion). */
  percent: number;
  etaSeconds: number | null;
  rowsPerSecond: number;
  bytesPerSecond: number;
}

export interface EstimateInput {
  fetch: StageMeter;
  files: StageMeter;
  apply: StageMeter;
  /** Rows fetched (for the fetch's row rate): its meter counts bytes. */
  rowsFetched: StageMeter;
  /** When the job started (connecting and manifest count as elapsed time). */
  startedAtMs: number;
  nowMs: number;
  /** Rows loaded into the apply's work tables and the seconds those loads took (ProgressTracker.loaded). */
  loaded?: LoadedSoFar;
  /** The last percentage published: it never goes down. */
  previousPercent: number;
}

/** Seconds a stage still needs at `rate` units/s; 0 when nothing is left. */
function secondsFor(units: number, rate: number | null): number | null {
  if (units <= 0) return 0;
  return rate && rate > 0 ? units / rate : null;
}

/**
 * Remaining seconds of the whole job, or null while nothing has been measured. The fetch's own
 * rate drives the estimate of the stages after it until they report their own progress.
 */
export function remainingSeconds({ fetch, files, apply, nowMs, rowsFetched, loaded }: Pick<EstimateInput, 'fetch' | 'files' | 'apply' | 'nowMs' | 'loaded'> & { rowsFetched?: StageMeter }): number | null {
  if (fetch.startedAtMs === null) return null;
  const young = fetch.elapsedMs(nowMs) < FIRST_ESTIMATE_MS || fetch.done < FIRST_ESTIMATE_SHARE * fetch.total;
  if (fetch.finishedAtMs === null && young) return null;
  const fetchRate = fetch.rate(nowMs);
  const fetchLeft = fetchLeftSeconds(fetch, rowsFetched, nowMs);
  if (fetchLeft === null) return null;
  const fetchSeconds = fetch.elapsedMs(nowMs) / 1000 + fetchLeft;
  const filesSeconds = filesLeft(files, fetch.total > 0 ? fetchRate : null, nowMs);
  if (filesSeconds === null) return null;
  return fetchLeft + filesSeconds + applyLeft(apply, applyPrior(apply, fetchSeconds, rowsFetched?.total ?? apply.total, loaded), nowMs);
}

/**
 * The fetch's bytes and rows still to come, each row weighing FETCH_BYTES_PER_ROW bytes, at their
 * rate over the recent window. The two meters are recorded together (a feed's rows arrive with their
 * bytes), so the rate of their sum is the sum of their rates. Without a row meter: bytes alone.
 */
function fetchLeftSeconds(bytes: StageMeter, rows: StageMeter | undefined, nowMs: number): number | null {
  const bytesRate = bytes.rate(nowMs);
  const rowsRate = rows?.rate(nowMs) ?? null;
  if (bytesRate === null && rowsRate === null) return secondsFor(bytes.remaining + (rows?.remaining ?? 0), null);
  const left = bytes.remaining + FETCH_BYTES_PER_ROW * (rows?.remaining ?? 0);
  return secondsFor(left, (bytesRate ?? 0) + FETCH_BYTES_PER_ROW * (rowsRate ?? 0));
}

/** The files still to download, then the flush of the batch (FLUSH_SECONDS_PER_GB). */
function filesLeft(files: StageMeter, fetchRate: number | null, nowMs: number): number | null {
  if (files.total <= 0 || files.finishedAtMs !== null) return 0;
  // The transfer's first byte, its ramp and a measured span after it first (FILES_RAMP_MS): no estimate yet.
  const transferMs = files.firstWork ? nowMs - files.firstWork.atMs : 0;
  const young = transferMs < FILES_RAMP_MS + FILES_MEASURED_MS && files.done < FIRST_ESTIMATE_SHARE * files.total;
  if (files.startedAtMs !== null && young) return null;
  const rate = files.rate(nowMs) ?? (fetchRate ? fetchRate * FILE_BYTES_PER_PAGE_BYTE : null);
  const transfer = secondsFor(files.remaining, rate) ?? 0;
  const flush = (FLUSH_SECONDS_PER_GB * files.total) / 1e9;
  const flushing = files.completedAtMs !== null ? (nowMs - files.completedAtMs) / 1000 : 0;
  return transfer + Math.max(0, flush - flushing);
}

/** Percent, ETA and rates of a running job. */
export function estimate(input: EstimateInput): ProgressEstimate {
  const { nowMs, fetch, files, apply, rowsFetched } = input;
  const left = remainingSeconds(input);
  const elapsed = Math.max(0, (nowMs - input.startedAtMs) / 1000);
  const share = left === null ? 0 : elapsed + left > 0 ? elapsed / (elapsed + left) : 0;
  const percent = Math.min(99, Math.max(input.previousPercent, Math.floor(100 * share)));
  const stage = current(input);
  const rate = (meter: StageMeter) => Math.round(meter.rate(nowMs) ?? 0);
  return {
    percent,
    etaSeconds: left === null ? null : Math.round(left),
    rowsPerSecond: stage === 'fetch' ? rate(rowsFetched) : stage === 'apply' ? rate(apply) : 0,
    bytesPerSecond: stage === 'fetch' ? rate(fetch) : stage === 'files' ? rate(files) : 0,
  };
}

/** The stage running now: the latest one started and not finished. */
function current({ fetch, files, apply }: Pick<EstimateInput, 'fetch' | 'files' | 'apply'>): StageName | null {
  for (const [name, meter] of [['apply', apply], ['files', files], ['fetch', fetch]] as const) {
    if (meter.startedAtMs !== null) return meter.finishedAtMs === null ? name : null;
  }
  return null;
}
