/**
 * The progress arithmetic of a sync job, pure (no clock, no I/O): how far along a job is, how fast
 * it moves and how long it still needs. The ProgressTracker feeds it and publishes the result to
 * everything that shows progress (job status, SSE events, sync log, CLI, console).
 *
 * A pull runs three stages, each measured in the unit its time follows:
 * - fetch: page bytes (the manifest's size of each feed, counted as that feed's rows arrive);
 * - files: bytes of the files to download (files already present cost nothing; a preview
 *   downloads none);
 * - apply: rows, plus TABLE_ROWS for each table with rows, followed by the finish (dangling
 *   children, deferred FK checks at COMMIT), which takes a share of the apply's time and reports
 *   nothing while it runs.
 * Each stage's remaining time comes from its own recent rate; a stage that has not started yet is
 * estimated from the fetch's rate with the ratios below (measured by the bench, bench/README.md).
 * The percentage is the elapsed share of the estimated total time, so percent and ETA agree.
 */

/**
 * Recent rates look at the last part of a stage: at least RATE_WINDOW_MS, a share of the stage's
 * age, at most RATE_WINDOW_MAX_MS. Short enough to forget a slow start (cold caches, connections
 * opening), long enough to smooth page-sized bursts.
 */
export const RATE_WINDOW_MS = 2000;
export const RATE_WINDOW_SHARE = 0.5;
export const RATE_WINDOW_MAX_MS = 10_000;
/** Samples closer together than this are merged (a file reports every chunk). */
const SAMPLE_SPACING_MS = 100;
/**
 * Applying the tables takes about this many times the fetch of the same rows. Seven bench pulls
 * (100K and 1M rows, load 9–21 on 2 cores) gave 0.49, 0.54, 0.77, 0.81, 0.84, 0.89, 0.94: the load
 * moves it, so the prior sits between the slow and the fast cases, and the apply's own rate takes
 * over as its work is done…
 */
export const APPLY_PER_FETCH = 0.7;
/** …plus a fixed part (the apply's setup): small, or a pull of a few rows (a files pull) is overestimated. */
export const APPLY_FIXED_SECONDS = 0.2;
/**
 * The fetch's first pages say little (connections, cold caches, and the small catalog tables first:
 * a round trip per page, a fifth of the later bytes/s in every bench trace): no estimate before it
 * ran this long.
 */
export const FIRST_ESTIMATE_MS = 3000;
/**
 * What follows the last table (dangling children, deferred FK checks, COMMIT), as a share of the
 * apply: the median of the same pulls (0.23, 0.27, 0.39, 0.40, 0.44, 0.45, 0.64).
 */
export const FINISH_PER_APPLY = 0.4;
/**
 * The apply's work in rows: each table with rows costs about this many rows more (some ten
 * statements: COPY into a temp table, typed rows, ANALYZE, conflicts, upsert), so its first, small
 * tables do not make its rate look slow (bench: ~25–100 ms for a 50-row table, 10–25K rows/s).
 */
export const TABLE_ROWS = 1000;
/** A file byte moves this many times faster than a page byte (no JSON, no staging, no parsing). */
export const FILE_BYTES_PER_PAGE_BYTE = 4;

export type StageName = 'fetch' | 'files' | 'apply';

/** Work done in one stage, in its unit, with the times it was measured at. */
export class StageMeter {
  startedAtMs: number | null = null;
  finishedAtMs: number | null = null;
  done = 0;
  total = 0;
  private samples: { atMs: number; done: number }[] = [];

  start(atMs: number): void {
    if (this.startedAtMs !== null) return;
    this.startedAtMs = atMs;
    this.samples = [{ atMs, done: this.done }];
  }

  /** Sets the work done (never lowered, never above the total). */
  record(done: number, atMs: number): void {
    this.done = Math.min(this.total, Math.max(this.done, done));
    const last = this.samples.at(-1);
    if (last && this.samples.length > 1 && atMs - this.samples.at(-2)!.atMs < SAMPLE_SPACING_MS) Object.assign(last, { atMs, done: this.done });
    else this.samples.push({ atMs, done: this.done });
    // Keep the sample just before the longest window as its start.
    while (this.samples.length > 2 && this.samples[1].atMs <= atMs - RATE_WINDOW_MAX_MS) this.samples.shift();
  }

  finish(atMs: number): void {
    this.start(atMs);
    if (this.finishedAtMs === null) this.finishedAtMs = atMs;
  }

  /** Time spent in the stage so far (all of it once finished). */
  elapsedMs(nowMs: number): number {
    if (this.startedAtMs === null) return 0;
    return (this.finishedAtMs ?? nowMs) - this.startedAtMs;
  }

  /** Units per second over the recent window (since the stage started if younger); null before any work. */
  rate(nowMs: number): number | null {
    if (this.startedAtMs === null || this.done <= 0) return null;
    const end = this.finishedAtMs ?? nowMs;
    const windowMs = Math.min(RATE_WINDOW_MAX_MS, Math.max(RATE_WINDOW_MS, RATE_WINDOW_SHARE * (end - this.startedAtMs)));
    // The latest sample at or before the window's start (the first one if the stage is younger).
    let first = this.samples[0];
    for (const sample of this.samples) if (sample.atMs <= end - windowMs) first = sample;
    const seconds = (end - first.atMs) / 1000;
    const moved = this.done - first.done;
    if (seconds <= 0 || moved <= 0) {
      const all = this.elapsedMs(nowMs) / 1000;
      return all > 0 ? this.done / all : null;
    }
    return moved / seconds;
  }

  get remaining(): number {
    return Math.max(0, this.total - this.done);
  }
}

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
export function remainingSeconds({ fetch, files, apply, nowMs }: Pick<EstimateInput, 'fetch' | 'files' | 'apply' | 'nowMs'>): number | null {
  // Nothing is known before the pages have run a while (connecting, manifest, first pages).
  if (fetch.startedAtMs === null || (fetch.finishedAtMs === null && fetch.elapsedMs(nowMs) < FIRST_ESTIMATE_MS)) return null;
  const fetchRate = fetch.rate(nowMs);
  const fetchLeft = secondsFor(fetch.remaining, fetchRate);
  if (fetchLeft === null) return null;
  const fetchSeconds = fetch.elapsedMs(nowMs) / 1000 + fetchLeft;

  const filesRate = files.rate(nowMs) ?? (fetchRate && fetch.total > 0 ? fetchRate * FILE_BYTES_PER_PAGE_BYTE : null);
  const filesLeft = secondsFor(files.remaining, filesRate) ?? 0;

  // Apply: the prior (from the fetch) blended with the apply's own average rate in proportion to its
  // work done. Not sooner: its first table also carries its setup (locks, tombstones; up to 1.5 s
  // in the bench), and a table's fixed statements make a small table's rows look slow.
  const prior = APPLY_FIXED_SECONDS + APPLY_PER_FETCH * fetchSeconds;
  const share = apply.total > 0 ? apply.done / apply.total : 1;
  const applied = apply.elapsedMs(nowMs) / 1000;
  const measured = apply.done > 0 && applied > 0 ? (applied / apply.done) * apply.total : prior;
  const applySeconds = (1 - share) * prior + share * measured;
  const applyLeft = apply.finishedAtMs !== null ? 0 : Math.max(0, applySeconds - applied);
  // The finish starts when the last table is in; it reports nothing until the commit.
  const finishSeconds = FINISH_PER_APPLY * (apply.finishedAtMs !== null ? applied : applySeconds);
  const finishElapsed = apply.finishedAtMs !== null ? (nowMs - apply.finishedAtMs) / 1000 : 0;
  const finishLeft = Math.max(0, finishSeconds - finishElapsed);
  return fetchLeft + filesLeft + applyLeft + finishLeft;
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
