import {
  APPLY_FIXED_SECONDS,
  APPLY_MIN_UNITS_PER_SECOND,
  APPLY_PER_FETCH,
  APPLY_PER_LOAD,
  applyPrior as applyPriorOf,
  estimate,
  FILES_MEASURED_MS,
  FILES_RAMP_MS,
  FINISH_FIXED_SECONDS,
  FINISH_OVERRUN_SHARE,
  FINISH_PER_TABLES,
  finishAfter,
  FIRST_ESTIMATE_MS,
  FIRST_ESTIMATE_SHARE,
  FLUSH_SECONDS_PER_GB,
  LOAD_FIXED_SECONDS,
  LOAD_SHARE,
  LOAD_TABLE_ROWS,
  LOAD_TRUST_SECONDS,
  LOAD_WEIGHT,
  LOAD_WEIGHT_COVERED,
  NATURAL_KEY_ROWS,
  PROGRESS_TICK_MS,
  RATE_WINDOW_MS,
  remainingSeconds,
  StageMeter,
  stageMeters,
  TABLE_ROWS,
} from '../../../src/sync/pull/progress-model';
import { ProgressTracker, SyncProgress } from '../../../src/sync/pull/progress';

const MB = 1024 * 1024;

/** A tracker on a hand-driven clock (ms), with every published snapshot. */
function tracked(kind: 'pull' | 'preview' = 'pull'): { tracker: ProgressTracker; seen: SyncProgress[]; at: (ms: number) => void } {
  let now = 0;
  const tracker = new ProgressTracker('job-1', kind, 'peer-1', () => now);
  const seen: SyncProgress[] = [];
  tracker.updates.subscribe((p) => seen.push(p));
  return { tracker, seen, at: (ms) => (now = ms) };
}

function meter(total: number, samples: [atMs: number, done: number][]): StageMeter {
  const m = new StageMeter();
  m.total = total;
  m.start(samples[0][0]);
  for (const [atMs, done] of samples.slice(1)) m.record(done, atMs);
  return m;
}

/** A fetch of 1,000 bytes finished in `seconds`, at a steady rate. */
function fetched(seconds: number): StageMeter {
  const m = meter(1000, [[0, 0], ...Array.from({ length: 10 }, (_, i) => [((i + 1) * seconds * 1000) / 10, (i + 1) * 100] as [number, number])]);
  m.finish(seconds * 1000);
  return m;
}

/** The apply's prior for `units` of work after a fetch of `seconds`, split into its parts. */
function applyPrior(seconds: number, units: number) {
  const all = APPLY_FIXED_SECONDS + Math.min(APPLY_PER_FETCH * seconds, units / APPLY_MIN_UNITS_PER_SECOND);
  const load = LOAD_SHARE * all;
  const tables = (all - load - FINISH_FIXED_SECONDS) / (1 + FINISH_PER_TABLES);
  return { all, load, tables, finish: finishAfter(tables) };
}

const none = () => new StageMeter();

describe('progress model (pure arithmetic)', () => {
  it('a stage rate looks at the recent window, so a slow start does not drag the estimate', () => {
    // 1,000 units in the first 4 s, then 1,000 units/s for 8 s.
    const steady: [number, number][] = [4, 5, 6, 7, 8, 9, 10, 11, 12].map((s) => [s * 1000, (s - 3) * 1000]);
    const m = meter(100_000, [[0, 0], ...steady]);
    expect(m.rate(12_000)).toBeCloseTo(1000, 5);
    expect(RATE_WINDOW_MS).toBeLessThanOrEqual(3000);
  });

  it('a rate starts at the first work: the wait for it (connections, first request) is no rate', () => {
    // Nothing for 800 ms, then 100 units every 100 ms.
    const m = meter(10_000, [[0, 0], ...[900, 1000, 1100, 1200, 1300].map((t, i) => [t, (i + 1) * 100] as [number, number])]);
    expect(m.rate(1300)).toBeCloseTo(1000, 5);
  });

  it('no estimate before the fetch has run FIRST_ESTIMATE_MS and moved FIRST_ESTIMATE_SHARE of its bytes', () => {
    const at = (ms: number, done: number) => remainingSeconds({ fetch: meter(1000, [[0, 0], [ms, done]]), files: none(), apply: none(), nowMs: ms });
    expect(remainingSeconds({ fetch: none(), files: none(), apply: none(), nowMs: 0 })).toBeNull();
    expect(at(FIRST_ESTIMATE_MS - 1, 900)).toBeNull();
    expect(at(FIRST_ESTIMATE_MS * 5, FIRST_ESTIMATE_SHARE * 1000 - 1)).toBeNull();
    expect(at(FIRST_ESTIMATE_MS, FIRST_ESTIMATE_SHARE * 1000)).not.toBeNull();
  });

  it('before the apply: the fetch left, the files and their flush, and the apply estimated from the fetch', () => {
    // Fetch: half of 1,000 page bytes at 100 B/s; files: 4,000 B, at 4× the page rate; apply: not started.
    const fetch = meter(1000, [[0, 0], [5000, 500]]);
    const files = none();
    files.total = 4000;
    const apply = none();
    apply.total = 1_000_000;
    const left = remainingSeconds({ fetch, files, apply, nowMs: 5000 })!;
    const flush = (FLUSH_SECONDS_PER_GB * 4000) / 1e9;
    expect(left).toBeCloseTo(5 + 4000 / 400 + flush + applyPrior(10, 1_000_000).all, 5);
  });

  it('a pull of a few rows is not given a long apply because its fetch waited on round trips', () => {
    // 150 rows fetched in 10 s (latency): the apply is estimated at APPLY_MIN_UNITS_PER_SECOND at worst.
    const apply = none();
    apply.total = 150;
    const left = remainingSeconds({ fetch: fetched(10), files: none(), apply, nowMs: 10_000 })!;
    expect(left).toBeCloseTo(APPLY_FIXED_SECONDS + 150 / APPLY_MIN_UNITS_PER_SECOND, 5);
    expect(left).toBeLessThan(APPLY_PER_FETCH * 10);
  });

  it('while the apply loads (nothing reported), the load prior counts down and the rest stays', () => {
    const fetch = fetched(10);
    const apply = none();
    apply.total = 1_000_000;
    apply.start(10_000);
    const prior = applyPrior(10, 1_000_000);
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 10_000 })).toBeCloseTo(prior.all, 5);
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 10_000 + (prior.load / 2) * 1000 })).toBeCloseTo(prior.all - prior.load / 2, 5);
    // A load longer than its prior: never below what the tables and the finish need.
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 60_000 })).toBeCloseTo(prior.tables + prior.finish, 5);
  });

  it("the tables' own rate takes over as their work is done: an apply 3× cheaper than the prior is found out", () => {
    const fetch = fetched(10);
    const prior = applyPrior(10, 1_000_000);
    // The load took 1 s; the tables then take a third of the prior's time for them.
    const fast = prior.tables / 3;
    const at = (share: number) => {
      const apply = meter(1_000_000, [[10_000, 0], [11_000, 1]]);
      const now = 11_000 + share * fast * 1000;
      apply.record(1 + share * 999_999, now);
      const left = remainingSeconds({ fetch, files: none(), apply, nowMs: now })!;
      const real = (1 - share) * fast + finishAfter(fast);
      return Math.abs(left - real) / real;
    };
    const errors = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map(at);
    // At the first table, the prior (3× too long); then the error shrinks with every share of the work.
    expect(errors[0]).toBeGreaterThan(1);
    expect(errors.every((e, i) => i === 0 || e < errors[i - 1])).toBe(true);
    // At 90 % the prior still weighs 5 %: under half of the remaining time when the finish is short.
    expect(errors[5]).toBeLessThan(0.5);
    expect(errors.at(-1)).toBeLessThan(0.1);
  });

  it('a table under way is not a slower rate: between reports the tables count down from the rate at the last report', () => {
    const fetch = fetched(10);
    // First table at 11 s, half the work done by 13 s (2 s for 500,000 units), no report since.
    const apply = meter(1_000_000, [[10_000, 0], [11_000, 1], [13_000, 500_000]]);
    const at13 = remainingSeconds({ fetch, files: none(), apply, nowMs: 13_000 })!;
    const at14 = remainingSeconds({ fetch, files: none(), apply, nowMs: 14_000 })!;
    // One second later the estimate is one second lower (the old model stretched the rate instead).
    expect(at13 - at14).toBeCloseTo(1, 5);
  });

  it('after the last table, only the finish remains: a fixed part and FINISH_PER_TABLES of the tables\' time, counted down', () => {
    const fetch = fetched(1);
    // Load 1 s (first table at 2 s), tables until 6 s: 4 s.
    const apply = meter(100, [[1000, 0], [2000, 10], [6000, 100]]);
    apply.finish(6000);
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 6000 })).toBeCloseTo(FINISH_FIXED_SECONDS + FINISH_PER_TABLES * 4, 5);
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 6300 })).toBeCloseTo(finishAfter(4) - 0.3, 5);
    // Past its estimate it is still running: a share of the estimate stays, not 0 s.
    expect(remainingSeconds({ fetch, files: none(), apply, nowMs: 60_000 })).toBeCloseTo(FINISH_OVERRUN_SHARE * finishAfter(4), 5);
  });

  it('files: no estimate before the first byte, its ramp and a measured span after it; after the last byte the flush counts down', () => {
    const fetch = fetched(1);
    const GB = 1e9;
    // The stage starts at 1 s, its first byte comes at 1.3 s; 100 MB/s from then on.
    const files = meter(GB, [[1000, 0]]);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: 1300 })).toBeNull();
    const firstByte = 1300;
    for (let t = firstByte; t < firstByte + FILES_RAMP_MS + FILES_MEASURED_MS; t += 100) files.record(((t - firstByte + 100) / 1000) * 0.1 * GB, t);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: firstByte + FILES_RAMP_MS + FILES_MEASURED_MS - 1 })).toBeNull();
    const at = firstByte + FILES_RAMP_MS + FILES_MEASURED_MS;
    files.record(((at - firstByte + 100) / 1000) * 0.1 * GB, at);
    const apply = applyPrior(1, 0).all;
    const flush = FLUSH_SECONDS_PER_GB;
    const left = (GB - files.done) / (0.1 * GB);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: at })).toBeCloseTo(left + flush + apply, 5);
    files.record(GB, at + 9000);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: at + 9000 })).toBeCloseTo(flush + apply, 5);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: at + 9000 + flush * 500 })).toBeCloseTo(flush / 2 + apply, 5);
    expect(remainingSeconds({ fetch, files, apply: none(), nowMs: at + 60_000 })).toBeCloseTo(apply, 5);
  });

  it("files: the transfer's slow first half second is left out of its rate once a measured span followed it", () => {
    // A third of the pace in the ramp (the connections' first requests), then 100 MB/s.
    const { files } = stageMeters();
    files.total = 1e9;
    files.start(0);
    const rampPace = 100e6 / 3;
    for (let t = 100; t <= 100 + FILES_RAMP_MS; t += 100) files.record((t / 1000) * rampPace, t);
    // The first byte at 100 ms: the ramp ends FILES_RAMP_MS later.
    const rampEnd = 100 + FILES_RAMP_MS;
    const afterRamp = (t: number) => (rampEnd / 1000) * rampPace + ((t - rampEnd) / 1000) * 100e6;
    const upTo = (end: number) => {
      for (let t = rampEnd + 100; t <= end; t += 100) if (t > files.lastWorkAtMs!) files.record(afterRamp(t), t);
    };
    // Not yet measured long enough after the ramp: the ramp still counts.
    upTo(rampEnd + FILES_MEASURED_MS - 100);
    expect(files.rate(rampEnd + FILES_MEASURED_MS - 100)).toBeLessThan(0.95 * 100e6);
    upTo(2000);
    expect(files.rate(2000)).toBeCloseTo(100e6, -3);
  });

  it('percent is the elapsed share of the estimated time, never lowered, never above 99 while running', () => {
    const fetch = fetched(10);
    const apply = meter(100, [[10_000, 0], [12_000, 10], [20_000, 100]]);
    apply.finish(20_000);
    const input = { fetch, files: none(), apply, rowsFetched: none(), startedAtMs: 0 };
    const finish = finishAfter(8);
    expect(estimate({ ...input, nowMs: 20_000, previousPercent: 0 })).toMatchObject({ percent: Math.floor((100 * 20) / (20 + finish)), etaSeconds: Math.round(finish) });
    expect(estimate({ ...input, nowMs: 20_000, previousPercent: 97 }).percent).toBe(97);
    expect(estimate({ ...input, nowMs: 90_000, previousPercent: 0 })).toMatchObject({ percent: 99, etaSeconds: 0 });
  });
});

describe("progress model: the apply from this database's own load rate", () => {
  // A fetch of 10 s, 1M rows to apply: the fetch's ratio alone says 0.1 + 0.6 × 10 = 6.1 s.
  const rows = 1_000_000;
  const apply = () => {
    const m = none();
    m.total = rows;
    return m;
  };
  const byFetch = applyPriorOf(apply(), 10, rows);
  /** Loads of `tables` tables and `loadedRows` rows that took `seconds` (ProgressTracker.loaded). */
  const loads = (seconds: number, loadedRows = 500_000, tables = 10) => ({ tables, rows: loadedRows, seconds });

  it('without loads (none yet, or a bundle applied from a file) the apply is the fetch\'s ratio, as before', () => {
    expect(byFetch).toBeCloseTo(APPLY_FIXED_SECONDS + APPLY_PER_FETCH * 10, 5);
    expect(applyPriorOf(apply(), 10, rows, undefined)).toBe(byFetch);
    expect(applyPriorOf(apply(), 10, rows, loads(0, 0, 0))).toBe(byFetch);
  });

  it('the same fetch with loads twice as slow is given a longer apply (the fetch alone cannot tell them apart)', () => {
    const fast = applyPriorOf(apply(), 10, rows, loads(5));
    const slow = applyPriorOf(apply(), 10, rows, loads(10));
    expect(slow).toBeGreaterThan(fast * 1.2);
    // Trusted in full after LOAD_TRUST_SECONDS: the geometric mean of the two estimates, the loads
    // weighing LOAD_WEIGHT and more as they cover the rows (half of them here), up to LOAD_WEIGHT_COVERED.
    const byLoads = LOAD_FIXED_SECONDS + APPLY_PER_LOAD * (10 / (500_000 + LOAD_TABLE_ROWS * 10)) * rows;
    const weight = LOAD_WEIGHT + (LOAD_WEIGHT_COVERED - LOAD_WEIGHT) * 0.5;
    expect(slow).toBeCloseTo(byFetch ** (1 - weight) * byLoads ** weight, 5);
  });

  it('once the loads cover all the rows (the fetch\'s end), they weigh LOAD_WEIGHT_COVERED: their ratio to the apply moves with the machine too', () => {
    const all = applyPriorOf(apply(), 10, rows, loads(20, rows, 20));
    const byLoads = LOAD_FIXED_SECONDS + APPLY_PER_LOAD * (20 / (rows + LOAD_TABLE_ROWS * 20)) * rows;
    expect(all).toBeCloseTo(byFetch ** (1 - LOAD_WEIGHT_COVERED) * byLoads ** LOAD_WEIGHT_COVERED, 5);
    // Half of them: the fetch's ratio still has a say.
    const half = applyPriorOf(apply(), 10, rows, loads(10, rows / 2, 10));
    expect(half).toBeLessThan(all);
    expect(half).toBeGreaterThan(byFetch);
  });

  it('a first small table\'s slow load weighs little: the loads are trusted as their seconds add up', () => {
    // One 50-row table loaded in a tenth of LOAD_TRUST_SECONDS (round trips under load).
    // The same seconds per row loaded as ten such tables in LOAD_TRUST_SECONDS, which are trusted in full.
    const early = applyPriorOf(apply(), 10, rows, loads(LOAD_TRUST_SECONDS / 10, 50, 1));
    const full = applyPriorOf(apply(), 10, rows, loads(LOAD_TRUST_SECONDS, 500, 10));
    expect(full).toBeGreaterThan(2 * byFetch);
    expect(early).toBeGreaterThan(byFetch);
    expect(early).toBeLessThan(1.2 * byFetch);
  });

  it('once trusted, the loads decide most of the apply: a quiet pull whose apply is 0.9× its fetch is not given 0.6×', () => {
    // A quiet 1M pull (2026-11-30T23:08): fetch 10 s, its loads at 7.5 µs a row; the apply took
    // ~9 s, the fetch's ratio says 6.1 s. The loads weigh LOAD_WEIGHT and more with the rows they
    // cover (half here): the estimate is nearer theirs (twice as near since 2026-12-02, when their
    // weight stopped growing to 1: their ratio to the apply moves with the machine as the fetch's does).
    const byLoads = LOAD_FIXED_SECONDS + APPLY_PER_LOAD * 7.5e-6 * rows;
    const prior = applyPriorOf(apply(), 10, rows, { tables: 10, rows: 500_000 - LOAD_TABLE_ROWS * 10, seconds: 3.75 });
    expect(Math.abs(prior - byLoads)).toBeLessThan(Math.abs(prior - byFetch) / 1.5);
    expect(prior).toBeGreaterThan(8);
  });

  it('the tracker adds up the loads in the snapshot, and the ETA of a pull with slow loads is longer', () => {
    const etaWith = (loadMs: number) => {
      const { tracker, at } = tracked();
      tracker.totals({ feeds: [{ route: 'sessions', rows, bytes: 100 * MB }], files: { count: 0, bytes: 0 } });
      tracker.phase('fetching');
      for (let s = 1; s <= 5; s++) {
        at(s * 1000);
        tracker.fetched('sessions', rows / 10);
        tracker.loaded(rows / 20, loadMs / 5);
      }
      return tracker.snapshot();
    };
    const fast = etaWith(500);
    const slow = etaWith(4000);
    expect(fast.loaded).toEqual({ tables: 5, rows: rows / 4, seconds: 0.5 });
    expect(slow.loaded).toEqual({ tables: 5, rows: rows / 4, seconds: 4 });
    expect(slow.etaSeconds!).toBeGreaterThan(fast.etaSeconds!);
  });

  it('loads of a few rows, each under a millisecond, still add up to their time', () => {
    const { tracker } = tracked();
    for (let i = 0; i < 10; i++) tracker.loaded(3, 0.4);
    expect(tracker.snapshot().loaded).toEqual({ tables: 10, rows: 30, seconds: 0.004 });
  });
});

describe('progress tracker', () => {
  it('files dominating a pull: ETA falls as the bytes move, percent follows the bytes, the rate is in bytes', () => {
    const { tracker, at } = tracked();
    at(100);
    tracker.phase('manifest');
    tracker.totals({ feeds: [{ route: 'sessions', rows: 10, bytes: 10_000 }], files: { count: 4, bytes: 160 * MB } });
    at(200);
    tracker.phase('fetching');
    at(1200);
    tracker.fetched('sessions', 10);
    at(1200);
    tracker.phase('files');
    tracker.filesPlanned({ count: 4, bytes: 160 * MB, present: 0, bytesPresent: 0, download: true });
    const etas: (number | null)[] = [];
    const percents: number[] = [];
    for (let second = 1; second <= 15; second++) {
      at(1200 + second * 1000);
      tracker.fileProgress(10 * MB, second % 4 === 0);
      const p = tracker.snapshot();
      etas.push(p.etaSeconds);
      percents.push(p.percent);
      expect(p).toMatchObject({ rowsPerSecond: 0, bytesPerSecond: 10 * MB });
    }
    // 10 MiB/s: at 50 of 160 MiB, 11 s of files are left, at 150 MiB 1 s; then their flush, and the
    // apply, estimated from the fetch (1 s).
    const after = (FLUSH_SECONDS_PER_GB * 160 * MB) / 1e9 + applyPrior(1, 10).all;
    // None in the transfer's first FILES_RAMP_MS + FILES_MEASURED_MS (its first two seconds here), then never rising.
    expect(etas.slice(0, 2)).toEqual([null, null]);
    const given = etas.filter((eta): eta is number => eta !== null);
    expect(given).toHaveLength(13);
    expect(given.every((eta, i) => i === 0 || eta <= given[i - 1])).toBe(true);
    expect(etas[4]).toBe(Math.round(11 + after));
    expect(etas.at(-1)).toBe(Math.round(1 + after));
    expect(percents.every((p, i) => i === 0 || p >= percents[i - 1])).toBe(true);
    expect(percents.at(-1)).toBeGreaterThan(80);
    expect(tracker.snapshot().files).toMatchObject({ done: 3, total: 4, bytesDone: 150 * MB, bytesTotal: 160 * MB, present: 0 });
  });

  it('a table with natural keys weighs more per row: its slow rows do not make the rest of the apply look slow', () => {
    // volunteer (two natural keys) applies 10,000 rows in 30 s; record (none) still has 9,900 rows to
    // go, at a third of the cost per row: ~10 s, then the finish.
    const etaAfterVolunteer = (naturalKeys: number) => {
      const { tracker, at } = tracked();
      tracker.totals({ feeds: [{ route: 'all', rows: 20_000, bytes: 2_000_000 }], files: { count: 0, bytes: 0 } });
      tracker.phase('fetching');
      at(10_000);
      tracker.fetched('all', 20_000);
      tracker.applyPlanned([
        { table: 'snomed', rows: 100, naturalKeys: 0 },
        { table: 'volunteer', rows: 10_000, naturalKeys },
        { table: 'record', rows: 9_900, naturalKeys: 0 },
      ]);
      tracker.phase('applying');
      // The first table's report ends the load: the tables' rate counts from there.
      at(10_500);
      tracker.appliedRows(100, 'snomed');
      at(40_500);
      tracker.appliedRows(10_000, 'volunteer');
      return tracker.snapshot().etaSeconds!;
    };
    expect(NATURAL_KEY_ROWS).toBeGreaterThan(0);
    expect(etaAfterVolunteer(2)).toBeLessThan(etaAfterVolunteer(0));
  });

  it('each table with rows weighs TABLE_ROWS more in the apply: small first tables do not make the apply look slow', () => {
    // Ten 10-row tables in 1 s (their fixed statements), then one of 10,000 rows to go.
    const etaAfterSmallTables = (planned: boolean) => {
      const { tracker, at } = tracked();
      tracker.totals({ feeds: [{ route: 'snomed', rows: 10_100, bytes: 1_010_000 }], files: { count: 0, bytes: 0 } });
      tracker.phase('fetching');
      at(10_000);
      tracker.fetched('snomed', 10_100);
      if (planned) tracker.applyPlanned([...Array.from({ length: 10 }, (_, i) => ({ table: `small_${i + 1}`, naturalKeys: 0 })), { table: 'big', naturalKeys: 0 }]);
      tracker.phase('applying');
      for (let i = 1; i <= 10; i++) {
        at(10_000 + i * 100);
        tracker.appliedRows(10, `small_${i}`);
      }
      return tracker.snapshot().etaSeconds!;
    };
    // Unweighted, 100 of 10,100 rows done: the tables still look like the prior (from a 10 s fetch);
    // weighted, almost half their work is done, at the rate it showed.
    expect(TABLE_ROWS).toBeGreaterThan(0);
    expect(etaAfterSmallTables(false)).toBeGreaterThan(etaAfterSmallTables(true));
  });

  it('files already present are counted as such and are no work; bytesDone − bytesPresent is what was downloaded', () => {
    const { tracker, at } = tracked();
    tracker.totals({ feeds: [{ route: 'sessions', rows: 2, bytes: 100 }], files: { count: 2, bytes: 300 } });
    at(10);
    tracker.phase('fetching');
    at(1000);
    tracker.fetched('sessions', 2);
    tracker.phase('files');
    tracker.filesPlanned({ count: 2, bytes: 300, present: 1, bytesPresent: 200, download: true });
    expect(tracker.snapshot().files).toEqual({ done: 1, total: 2, bytesDone: 200, bytesTotal: 300, present: 1, bytesPresent: 200 });
    at(2000);
    tracker.fileProgress(100, false);
    tracker.fileProgress(0, true);
    const files = tracker.snapshot().files;
    expect(files).toEqual({ done: 2, total: 2, bytesDone: 300, bytesTotal: 300, present: 1, bytesPresent: 200 });
    expect(files.bytesDone - files.bytesPresent!).toBe(100);
  });

  it('a preview plans no download: the files add nothing to its ETA', () => {
    const { tracker, at } = tracked('preview');
    tracker.totals({ feeds: [{ route: 'sessions', rows: 100, bytes: 1000 }], files: { count: 50, bytes: 500 * MB } });
    at(10);
    tracker.phase('fetching');
    at(1010);
    tracker.fetched('sessions', 100);
    tracker.phase('files');
    tracker.filesPlanned({ count: 50, bytes: 500 * MB, present: 10, bytesPresent: 100 * MB, download: false });
    const p = tracker.snapshot();
    // Fetch took 1 s; the apply is estimated from it, the 400 MB (and their flush) are not counted.
    expect(p.etaSeconds).toBe(Math.round(applyPrior(1, 100).all));
    expect(p.files).toMatchObject({ total: 50, present: 10, done: 10 });
  });

  it('feeds count their bytes in proportion to their rows; done counts never pass the totals', () => {
    const { tracker, at } = tracked();
    tracker.totals({
      feeds: [
        { route: 'snomed', rows: 100, bytes: 1000 },
        { route: 'sessions', rows: 10, bytes: 9000 },
      ],
      files: { count: 0, bytes: 0 },
    });
    at(5);
    tracker.phase('fetching');
    at(100);
    tracker.fetched('snomed', 50);
    tracker.fetched('sessions', 5);
    expect(tracker.snapshot()).toMatchObject({ rows: { done: 55, total: 110 }, bytes: { done: 500 + 4500, total: 10_000 } });
    tracker.fetched('sessions', 500);
    tracker.fetched('snomed', 500);
    expect(tracker.snapshot()).toMatchObject({ rows: { done: 110, total: 110 }, bytes: { done: 10_000, total: 10_000 } });
  });

  it('never reaches 100 before the commit, never goes down, and a failure keeps its percentage and says why', () => {
    const { tracker, seen, at } = tracked();
    tracker.totals({ feeds: [{ route: 'sessions', rows: 4, bytes: 40 }], files: { count: 0, bytes: 0 } });
    at(10);
    tracker.phase('fetching');
    at(1000);
    tracker.fetched('sessions', 4);
    at(1000);
    tracker.phase('applying');
    at(2000);
    tracker.appliedRows(4, 't');
    tracker.tablesApplied();
    at(600_000);
    tracker.phase('applying');
    expect(tracker.snapshot()).toMatchObject({ percent: 99, etaSeconds: 0 });
    tracker.finish('rolled_back', { code: 'ERR_APPLY_FAILED', message: 'boom' });
    expect(tracker.snapshot()).toMatchObject({ state: 'rolled_back', percent: 99, error: { code: 'ERR_APPLY_FAILED' } });
    const percents = seen.map((p) => p.percent);
    expect(percents.every((p, i) => p <= 99 && (i === 0 || p >= percents[i - 1]))).toBe(true);
    let completed = false;
    tracker.updates.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('a job republishes its progress every tick while a silent part runs: the ETA counts down, then ticks stop', () => {
    jest.useFakeTimers();
    try {
      let now = 0;
      const tracker = new ProgressTracker('job-1', 'pull', 'peer-1', () => now, PROGRESS_TICK_MS);
      const seen: SyncProgress[] = [];
      tracker.updates.subscribe((p) => seen.push(p));
      tracker.totals({ feeds: [{ route: 'sessions', rows: 100, bytes: 1000 }], files: { count: 0, bytes: 0 } });
      tracker.phase('fetching');
      now = 10_000;
      tracker.fetched('sessions', 100);
      tracker.applyPlanned([{ table: 'sessions', naturalKeys: 0 }]);
      tracker.phase('applying');
      now = 11_000;
      tracker.appliedRows(100, 'sessions');
      tracker.tablesApplied();
      // The finish reports nothing: only the ticks publish, each with less time left.
      const before = seen.length;
      for (let i = 1; i <= 3; i++) {
        now = 11_000 + i * PROGRESS_TICK_MS;
        jest.advanceTimersByTime(PROGRESS_TICK_MS);
      }
      const ticks = seen.slice(before);
      expect(ticks).toHaveLength(3);
      expect(ticks.every((p, i) => i === 0 || (p.etaSeconds! <= ticks[i - 1].etaSeconds! && p.percent >= ticks[i - 1].percent))).toBe(true);
      expect(ticks.at(-1)!.updatedAt).toBe(new Date(14_000).toISOString());
      tracker.finish('completed');
      const after = seen.length;
      jest.advanceTimersByTime(5 * PROGRESS_TICK_MS);
      expect(seen.length).toBe(after);
    } finally {
      jest.useRealTimers();
    }
  });

  it('completes at 100 % with no time left', () => {
    const { tracker } = tracked();
    tracker.finish('completed');
    expect(tracker.snapshot()).toMatchObject({ percent: 100, etaSeconds: 0, state: 'completed', phase: 'done', error: null });
  });
});
