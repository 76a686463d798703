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

/**
 * Recent rates look at the last part of a stage: at least RATE_WINDOW_MS, a share of the stage's
 * age, at most RATE_WINDOW_MAX_MS, and never before the stage's first work. Short enough to forget
 * a slow start (cold caches, connections opening, the small catalog tables: a round trip each),
 * long enough to smooth page-sized bursts (a second holds several COPY pages, or 8 file transfers).
 */
export const RATE_WINDOW_MS = 1000;
export const RATE_WINDOW_SHARE = 0.5;
export const RATE_WINDOW_MAX_MS = 10_000;
/**
 * The file transfer's rate looks at all of it since its ramp (FILES_RAMP_MS; up to RATE_WINDOW_MAX_MS): its
 * swings are noise more than trend (the bench's files pulls since files are flushed as they arrive:
 * mean worst error 58 % with half the age, 48 % with all of it; the older pulls 55 % either way).
 * Its last files are not slower as a rule (8 transfers, then fewer: the last 3 % of the bytes moved
 * at a median 1.17× the rate of the 50–90 % span in the 62 files pulls of 2026-11-30 15:00–18:20,
 * 0.56–0.8× in 11, at most 0.3 s), so nothing models a tail.
 */
export const FILES_RATE_WINDOW_SHARE = 1;
/**
 * How often a running job republishes its progress when nothing reports (ProgressTracker): the
 * apply's load and finish and the files' flush say nothing while they run (up to 24 s each at 1M
 * rows); without it the ETA shown would stand still, then jump.
 */
export const PROGRESS_TICK_MS = 1000;
/** Samples closer together than this are merged (a file reports every chunk). */
const SAMPLE_SPACING_MS = 100;
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
 * trace), and its estimate of the apply grows with its own (APPLY_PER_FETCH).
 */
export const FIRST_ESTIMATE_MS = 2000;
export const FIRST_ESTIMATE_SHARE = 0.3;
/**
 * The file transfer's first half second after its first byte moves at a fraction of its pace (the
 * connections' first requests: 0.3–0.9× the rest in all five quiet files pulls of 2026-11-30, and
 * in 9 of 11 loaded ones), so its rate leaves that ramp out, and there is no estimate before the
 * ramp and FILES_MEASURED_MS after it (unless FIRST_ESTIMATE_SHARE moved). Counted from the first
 * byte: the wait for it (80–500 ms in the bench) is no transfer, and gives no estimate either.
 * Before, the rate over the whole transfer from 1 s after the files stage started made the first
 * estimates 25–35 % long on a quiet machine (bench/README.md "ETA: the loads' weight and the files'
 * ramp").
 */
export const FILES_RAMP_MS = 500;
export const FILES_MEASURED_MS = 700;

/*
 * The apply, after the fetch, runs three parts (src/sync/import/import-engine.ts):
 * - load: every staged table into its typed temp table (COPY, ANALYZE): reports nothing;
 * - tables: conflicts and upsert, table by table: reports each table's rows;
 * - finish: dangling children, deferred FK checks at COMMIT: reports nothing.
 * Before the tables report, the apply's time can only come from the fetch's (the same rows on the
 * same machine) with the ratios below, which the load and the machine's load move (±35 % in the
 * bench). Once they report, their own rate takes over in proportion to their work done, and the
 * finish is estimated from their time. A load's time says little about the tables' (0.9–1.9× in
 * the bench), so it does not rescale them; a load that has moved elsewhere (into the fetch) only
 * makes the tables report sooner.
 */

/**
 * The apply's time (load + tables + finish) per second of fetch, from the bench's full pulls since
 * the set-based apply and the loads during the fetch (16:16–18:04 runs of 2026-11-30: 1M rows
 * 0.44–0.84, median 0.51; 100K 0.67–1.22; 0.6 gave the six 1M pulls their lowest worst errors,
 * bench/README.md "ETA, the last seconds"). It was 1.19–2.81 with per-row FK checks. Since the
 * fetch in parts the 1M pulls' median is 0.8, the 100K pulls' 0.4–0.6 (2026-11-30 night): kept, as
 * the loads (LOAD_WEIGHT) decide most of the estimate where they report.
 */
export const APPLY_PER_FETCH = 0.6;
/** …plus a fixed part: a pull of a few rows (a files pull's 500) still takes this (0.03–0.3 s). */
export const APPLY_FIXED_SECONDS = 0.1;
/**
 * …but never slower than this many units of apply work (rows, TABLE_ROWS per table) a second: a
 * pull of a few rows spends its fetch waiting on round trips, not moving rows (a loaded files pull:
 * 150 rows fetched in 1.3 s, applied in 0.07 s). The slowest apply in the bench did 16,000 units/s.
 */
export const APPLY_MIN_UNITS_PER_SECOND = 10_000;
/**
 * The apply's loads run on this database, as its merge does (ApplyPreload copies each staged table
 * into its typed temp table during the fetch; the apply loads the rest as it starts): their speed
 * measures this database under its load of the moment, which the fetch's time does not. The apply
 * by the loads is APPLY_FIXED_SECONDS + APPLY_PER_LOAD × the seconds loading all its rows would take
 * at their rate, each table loaded costing LOAD_TABLE_ROWS rows (a small table's load is mostly
 * round trips: 0.05–0.25 s each under load). The estimate is the geometric mean of that and the
 * fetch's ratio, the loads weighing LOAD_WEIGHT once they have run LOAD_TRUST_SECONDS (less
 * before). Fitted on the four loaded 1M pulls of 2026-11-30 21:37–22:30 (load 13–23): the apply was
 * 1.04–1.57× (median 1.2) the loads' seconds at the fetch's end, 0.58–0.96× the fetch (median
 * 0.8, against the 0.6 of APPLY_PER_FETCH): the loads' log error (against 1.2) is half the fetch
 * ratio's (against 0.6), so they weigh 0.8 (inverse variance). Held out, the quiet 1M pulls of 23:08 and 23:14 had 1.15–1.21 and
 * their worst ETA errors fell from 30 and 28 % to 16 and 16 % (bench/README.md "ETA: the loads'
 * weight and the files' ramp"). The first setting (h-eta4: 1.0 and 0.5) left the quiet apply ~25 %
 * short through the fetch.
 */
export const APPLY_PER_LOAD = 1.2;
export const LOAD_TABLE_ROWS = 3000;
export const LOAD_WEIGHT = 0.8;
export const LOAD_TRUST_SECONDS = 1;
/** The load's share of the apply (same pulls: 0.05–0.16, median 0.14: most of the load runs during the fetch). */
export const LOAD_SHARE = 0.14;
/**
 * The finish (the set-based FK check, COMMIT, the completion reaching the client): a fixed part
 * plus this much per second of tables. Fitted on the same pulls: 100K (tables ~0.6 s) finish in
 * ~0.13 s, 1M (tables 4.5–8.7 s) in 0.72–1.51 s, i.e. 0.13–0.23 of the tables; the median ratio
 * alone (0.25 before) said "2 s" with 1.03 s left at 1M (2026-11-30T18-04-00).
 */
export const FINISH_FIXED_SECONDS = 0.05;
export const FINISH_PER_TABLES = 0.14;
/**
 * A finish that has run past its estimate is still running: until it ends, this share of the
 * estimate, at most a tick (PROGRESS_TICK_MS), is said to be left, not 0 s (the finish was
 * 0.13–0.23× the tables at 1M, up to 1.6× its estimate: a loaded 1M pull, 2026-11-30T18-40-24, said
 * "0 s" with 1.96 s left; with this, 1 s). At most a tick: the 10M finish overran by 23 s
 * (2026-11-30T18-09-44), where a quarter of its estimate (10 s) would stand still for 20 s.
 */
export const FINISH_OVERRUN_SHARE = 0.25;
/**
 * The apply's work in rows: each table with rows costs about this many rows more (some ten
 * statements: conflicts, upsert, natural keys), so its first, small tables do not make its rate
 * look slow (bench: ~25–100 ms for a 50-row table, 10–25K rows/s under load).
 */
export const TABLE_ROWS = 1000;
/** A file byte moves this many times faster than a page byte (no staging, no parsing). */
export const FILE_BYTES_PER_PAGE_BYTE = 4;
/**
 * After the last file byte, the files not flushed yet and the directories are made durable: seconds
 * per GB downloaded. Since each file is flushed as it arrives (in the background), 0.06–0.17 s per
 * GB in the bench's files pulls (median 0.1; it was 0.56–0.71 with one flush after the last byte,
 * and that prior made the ETA "2 s" with 1.02 s left, 2026-11-30T17-03-16 and T18-04-00).
 */
export const FLUSH_SECONDS_PER_GB = 0.1;

export type StageName = 'fetch' | 'files' | 'apply';

/** Work done in one stage, in its unit, with the times it was measured at. */
export class StageMeter {
  /**
   * `windowShare`: the share of the stage's age its rate looks at (RATE_WINDOW_SHARE, FILES_RATE_WINDOW_SHARE);
   * `rampMs`: a slow start after the first work that the rate leaves out once FILES_MEASURED_MS followed it.
   */
  constructor(
    private readonly windowShare = RATE_WINDOW_SHARE,
    private readonly rampMs = 0,
  ) {}

  startedAtMs: number | null = null;
  finishedAtMs: number | null = null;
  /** The first work reported, and how much it was (the apply's first table ends its load). */
  firstWork: { atMs: number; done: number } | null = null;
  /** When the work done reached the total (the files' last byte: their flush follows). */
  completedAtMs: number | null = null;
  /** When the work done last grew (the apply's last table reported). */
  lastWorkAtMs: number | null = null;
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
    const before = this.done;
    this.done = Math.min(this.total, Math.max(this.done, done));
    if (this.done > before) this.lastWorkAtMs = atMs;
    if (this.firstWork === null && this.done > 0) this.firstWork = { atMs, done: this.done };
    if (this.completedAtMs === null && this.total > 0 && this.done >= this.total) this.completedAtMs = atMs;
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
    const windowMs = Math.min(RATE_WINDOW_MAX_MS, Math.max(RATE_WINDOW_MS, this.windowShare * (end - this.startedAtMs)));
    // The latest sample at or before the window's start (the first one if the stage is younger).
    let first = this.samples[0];
    for (const sample of this.samples) if (sample.atMs <= end - windowMs) first = sample;
    // Not before the first work: the wait for it (a connection, a first request) is no rate.
    if (this.firstWork && first.atMs < this.firstWork.atMs && this.done > this.firstWork.done) first = this.firstWork;
    first = this.afterRamp(first, end);
    const seconds = (end - first.atMs) / 1000;
    const moved = this.done - first.done;
    if (seconds <= 0 || moved <= 0) {
      const all = this.elapsedMs(nowMs) / 1000;
      return all > 0 ? this.done / all : null;
    }
    return moved / seconds;
  }

  /** The window's start moved past the ramp (rampMs), once FILES_MEASURED_MS of work followed it. */
  private afterRamp(first: { atMs: number; done: number }, end: number): { atMs: number; done: number } {
    if (this.rampMs <= 0 || !this.firstWork) return first;
    const rampEnd = this.firstWork.atMs + this.rampMs;
    if (first.atMs >= rampEnd || end - rampEnd < FILES_MEASURED_MS) return first;
    const after = this.samples.find((sample) => sample.atMs >= rampEnd);
    return after && after.atMs < end && after.done < this.done ? after : first;
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
  /** Rows loaded into the apply's work tables and the seconds those loads took (ProgressTracker.loaded). */
  loaded?: { tables: number; rows: number; seconds: number };
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

/**
 * The apply's load, tables and finish (see LOAD_SHARE), from the prior until the tables report:
 * then their own rate takes over as their work is done, and the finish follows their time.
 */
function applyLeft(apply: StageMeter, prior: number, nowMs: number): number {
  if (apply.startedAtMs === null) return prior;
  const loadPrior = LOAD_SHARE * prior;
  const tablesPrior = Math.max(0, prior - loadPrior - FINISH_FIXED_SECONDS) / (1 + FINISH_PER_TABLES);
  if (apply.firstWork === null && apply.finishedAtMs === null) {
    // Loading: what it has not used of its prior, then the tables and the finish.
    return Math.max(0, loadPrior - apply.elapsedMs(nowMs) / 1000) + finishAfter(tablesPrior) + tablesPrior;
  }
  // The tables, counted from the first one's report (the end of the load).
  const first = apply.firstWork ?? { atMs: apply.finishedAtMs!, done: apply.done };
  const tablesElapsed = ((apply.finishedAtMs ?? nowMs) - first.atMs) / 1000;
  const moved = apply.done - first.done;
  const work = apply.total - first.done;
  // Their own rate weighs 2d/(1+d) when a share d of their work is done: a fifth at 10 %, two
  // thirds at half. Sooner, the first tables' rate misleads under load (bench traces).
  const done = work > 0 ? moved / work : 1;
  const share = (2 * done) / (1 + done);
  // Rated at the last report: a table under way reports only when it ends, so the time since then
  // is not yet a slower rate (it counts down instead).
  const ratedElapsed = ((apply.lastWorkAtMs ?? first.atMs) - first.atMs) / 1000;
  const measured = moved > 0 && ratedElapsed > 0 ? (ratedElapsed / moved) * work : moved > 0 ? (tablesElapsed / moved) * work : tablesPrior;
  const tables = apply.finishedAtMs !== null ? tablesElapsed : (1 - share) * tablesPrior + share * measured;
  const finish = finishAfter(tables);
  const finishElapsed = apply.finishedAtMs !== null ? (nowMs - apply.finishedAtMs) / 1000 : 0;
  return Math.max(0, tables - tablesElapsed) + Math.max(Math.min(FINISH_OVERRUN_SHARE * finish, PROGRESS_TICK_MS / 1000), finish - finishElapsed);
}

/**
 * The apply's whole time (load, tables, finish) before its tables report: from the fetch's time
 * (APPLY_PER_FETCH) and, once the apply's loads have reported, this database's own load rate
 * (APPLY_PER_LOAD, LOAD_WEIGHT). Without loads (a bundle's apply, or none yet), the fetch alone.
 */
export function applyPrior(apply: StageMeter, fetchSeconds: number, rows: number, loaded?: EstimateInput['loaded']): number {
  const byFetch = APPLY_FIXED_SECONDS + Math.min(APPLY_PER_FETCH * fetchSeconds, apply.total / APPLY_MIN_UNITS_PER_SECOND);
  if (!loaded || loaded.seconds <= 0 || loaded.rows + loaded.tables <= 0) return byFetch;
  const secondsPerUnit = loaded.seconds / (loaded.rows + LOAD_TABLE_ROWS * loaded.tables);
  const byLoad = APPLY_FIXED_SECONDS + APPLY_PER_LOAD * secondsPerUnit * rows;
  const weight = LOAD_WEIGHT * Math.min(1, loaded.seconds / LOAD_TRUST_SECONDS);
  return byFetch ** (1 - weight) * byLoad ** weight;
}

/** The finish's seconds after `tables` seconds of tables (FINISH_FIXED_SECONDS, FINISH_PER_TABLES). */
export function finishAfter(tables: number): number {
  return FINISH_FIXED_SECONDS + FINISH_PER_TABLES * tables;
}

/** The meters of one job, each with its rate window (the tracker's and the bench replay's). */
export function stageMeters(): { fetch: StageMeter; files: StageMeter; apply: StageMeter; rowsFetched: StageMeter } {
  return { fetch: new StageMeter(), files: new StageMeter(FILES_RATE_WINDOW_SHARE, FILES_RAMP_MS), apply: new StageMeter(), rowsFetched: new StageMeter() };
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
