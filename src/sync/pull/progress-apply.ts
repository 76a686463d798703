/**
 * The apply's share of a pull's remaining time (progress-model.ts): its prior before its tables report,
 * from what the pull measured before it, then the tables' own rate and the finish after them. Pure.
 */
import { PROGRESS_TICK_MS, StageMeter } from './progress-meter';

/** Rows loaded into the apply's work tables and the seconds those loads took (ProgressTracker.loaded). */
export interface LoadedSoFar {
  tables: number;
  rows: number;
  seconds: number;
}

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
 * the loads (LOAD_WEIGHT) decide most of the estimate where they report. Refitted on the pulls since
 * the staged COPYs read from a reused buffer (ad994d5; 2026-12-01 03:16–06:59, 100K, 1M and 10M):
 * 0.60–1.29, median 0.8. With the quiet 1M pulls of 2026-12-01 21:45 (1.05–1.06): 0.54–1.29 over 13
 * pulls, median 0.9 (bench/README.md "ETA: the first estimate later, the loads weighing 0.7").
 */
export const APPLY_PER_FETCH = 0.9;
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
 * by the loads is LOAD_FIXED_SECONDS + APPLY_PER_LOAD × the seconds loading all its rows would take
 * at their rate, each table loaded costing LOAD_TABLE_ROWS rows (a small table's load is mostly
 * round trips: 0.05–0.25 s each under load). The estimate is the geometric mean of that and the
 * fetch's ratio, the loads weighing LOAD_WEIGHT once they have run LOAD_TRUST_SECONDS (less
 * before), and more as they cover the pull's rows (LOAD_WEIGHT_COVERED). Fitted on the four loaded 1M pulls of 2026-11-30 21:37–22:30 (load 13–23): the apply was
 * 1.04–1.57× (median 1.2) the loads' seconds at the fetch's end, 0.58–0.96× the fetch (median
 * 0.8, against the 0.6 of APPLY_PER_FETCH): the loads' log error (against 1.2) is half the fetch
 * ratio's (against 0.6), so they weigh 0.8 (inverse variance). Held out, the quiet 1M pulls of 23:08 and 23:14 had 1.15–1.21 and
 * their worst ETA errors fell from 30 and 28 % to 16 and 16 % (bench/README.md "ETA: the loads'
 * weight and the files' ramp"). The first setting (h-eta4: 1.0 and 0.5) left the quiet apply ~25 %
 * short through the fetch. Refitted with LOAD_FIXED_SECONDS on the 25 pulls with loads (h-eta6): 1.15.
 * Since the staged COPYs are read from a reused buffer (ad994d5) the loads are faster and the
 * ratio moved with them: 1.61–2.03 (median 1.9) over the eight 100K, 1M and 10M pulls of
 * 2026-12-01 03:16–06:59, where 1.15 left the 1M ETAs 36–46 % short in the apply; on a loaded
 * machine (08:13, 1M) 1.57–1.79, as the loads compete with the fetch. 1.8 gave those traces' worst
 * errors their lowest highest (bench/README.md "ETA: refitted on the loads as they are now"). A change
 * to the loads' cost moves it again: eta-replay prints it for every traced run.
 */
export const APPLY_PER_LOAD = 1.8;
export const LOAD_TABLE_ROWS = 3000;
/**
 * 0.7 since 2026-12-01 21:45: with the loads' ratio as spread as the fetch's now (1.57–2.23 against
 * 0.54–1.29), 0.8 left a quiet 1M pull 21 % long at its first estimates; replayed over the 11 pulls
 * of 03:16–21:45 no pull's worst error grew (bench/README.md "ETA: the first estimate later…").
 * 0.6 since 2026-12-02, with LOAD_WEIGHT_COVERED: see there.
 */
export const LOAD_WEIGHT = 0.6;
/**
 * The loads' weight once they cover all the pull's rows (LOAD_WEIGHT before, in proportion between):
 * not 1, the loads alone. The loads run beside the fetch and compete with it for the machine, so
 * their ratio to the apply is the machine's, not a constant: apply ÷ loads for all rows at the
 * fetch's end was 1.57–2.01 on the machine of 2026-12-01 and 1.17–1.80 on the slower-disk machine
 * of 2026-12-02 (1M pulls), while apply ÷ fetch moved the other way (0.89–1.23 against 1.11–1.48):
 * the geometric mean with near-equal weights spreads least over both (log sd 0.08 at a weight of
 * 0.5–0.6, 0.14 for the loads alone). With 1 (the loads alone once they covered the rows, through
 * the apply's load and tables) the 2026-12-02 1M pulls' apply said 14 s with 9.25 s left. Replayed
 * over the 26 full pulls of 2026-12-01/02, 0.6 → 0.8 gave those 1M pulls' worst errors a mean of 26 %
 * (32 % with 0.7 → 1), both halves of the runs alike, no other pull's growing more than 3 points
 * (bench/README.md "ETA: the loads beside the fetch weigh less").
 */
export const LOAD_WEIGHT_COVERED = 0.8;
export const LOAD_TRUST_SECONDS = 1;
/**
 * The apply by the loads has a fixed part beside APPLY_PER_LOAD: the apply's own load part (ANALYZE,
 * what is left to load), each table's statements and the COMMIT, which the loads' seconds do not
 * scale (a quiet 100K apply took 0.9–1.8 s with 0.6–1.2 s of loads for all its rows). Fitted on the
 * 25 full pulls of 100K and 1M rows with the loads' tables traced (2026-11-30 22:00 – 2026-12-01
 * 04:45), apply against the loads for all rows at the fetch's end: 0.4 s + 1.15× (was 0.1 s + 1.2×)
 * has a mean log error of 0.14 on those since 23:00 (0.21 before; highest 0.34, was 0.53), 0.37 on
 * the loaded ones of 22:00–22:07 (0.37) (bench/README.md "ETA: the prior is what is left").
 */
export const LOAD_FIXED_SECONDS = 0.4;
/** The load's share of the apply (same pulls: 0.05–0.16, median 0.14: most of the load runs during the fetch). */
export const LOAD_SHARE = 0.14;
/**
 * The finish (the set-based FK check, COMMIT, the completion reaching the client): a fixed part
 * plus this much per second of tables. Fitted on the same pulls: 100K (tables ~0.6 s) finish in
 * ~0.13 s, 1M (tables 4.5–8.7 s) in 0.72–1.51 s, i.e. 0.13–0.23 of the tables; the median ratio
 * alone (0.25 before) said "2 s" with 1.03 s left at 1M (2026-11-30T18-04-00). The pulls of 2026-12-01
 * 03:16–08:13: 0.15–0.26, median 0.18; at 10M 0.14× its tables was 3 s short (1 s said, 3.6 s left).
 */
export const FINISH_FIXED_SECONDS = 0.05;
export const FINISH_PER_TABLES = 0.17;
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
/**
 * …and each row of a table with natural keys (AggregateSpec.naturalKeys) weighs this many rows more
 * per key: a unique index to maintain and the natural-key statements' probes. Per row, `volunteer`
 * (two keys) cost the apply 2.5–3.1× its average and `target_area` (one) 1.4–1.5×, in the 1M and
 * 10M traces of 2026-12-01/02: unweighted, the apply's rate measured on its first, costly
 * tables promised a slower rest (5 s said with 3.7 s left at 75 %). Replayed over the 23 1M pulls of
 * 2026-12-01/02, the pulls with a worst error ≤ 20 % went from 8 to 14 (median 21 → 16 %); the
 * 10M pull of 2026-12-01 went 28 → 41 %, its last, largest tables slower per row than the middle
 * ones (out of PostgreSQL's cache), which the unweighted rate happened to cover (bench/README.md
 * "ETA: the natural keys weigh in the apply").
 */
export const NATURAL_KEY_ROWS = 1;

/** A table the apply will run, as the tracker weighs it: its staged rows (when known) and its natural keys. */
export interface PlannedTable {
  table: string;
  /** Rows staged for it; undefined where the pages do not count them (JSON pages): no extra weight. */
  rows?: number;
  naturalKeys: number;
}

/** The apply units a table's rows weigh beyond one a row (NATURAL_KEY_ROWS per natural key). */
export function extraApplyUnits(table: PlannedTable): number {
  return table.rows === undefined ? 0 : NATURAL_KEY_ROWS * table.naturalKeys * table.rows;
}

/**
 * The apply's load, tables and finish (see LOAD_SHARE), from the prior until the tables report:
 * then their own rate takes over as their work is done, and the finish follows their time.
 */
export function applyLeft(apply: StageMeter, prior: number, nowMs: number): number {
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
export function applyPrior(apply: StageMeter, fetchSeconds: number, rows: number, loaded?: LoadedSoFar): number {
  const byFetch = APPLY_FIXED_SECONDS + Math.min(APPLY_PER_FETCH * fetchSeconds, apply.total / APPLY_MIN_UNITS_PER_SECOND);
  if (!loaded || loaded.seconds <= 0 || loaded.rows + loaded.tables <= 0) return byFetch;
  const secondsPerUnit = loaded.seconds / (loaded.rows + LOAD_TABLE_ROWS * loaded.tables);
  const byLoad = LOAD_FIXED_SECONDS + APPLY_PER_LOAD * secondsPerUnit * rows;
  // The loads weigh more as they cover the pull's rows, up to LOAD_WEIGHT_COVERED once they cover all
  // of them: the fetch's time moves with what else runs on the machine, the loads' with the fetch
  // beside them.
  const covered = rows > 0 ? Math.min(1, loaded.rows / rows) : 0;
  const weight = (LOAD_WEIGHT + (LOAD_WEIGHT_COVERED - LOAD_WEIGHT) * covered) * Math.min(1, loaded.seconds / LOAD_TRUST_SECONDS);
  return byFetch ** (1 - weight) * byLoad ** weight;
}

/** The finish's seconds after `tables` seconds of tables (FINISH_FIXED_SECONDS, FINISH_PER_TABLES). */
export function finishAfter(tables: number): number {
  return FINISH_FIXED_SECONDS + FINISH_PER_TABLES * tables;
}
