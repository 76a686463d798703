import { APPLY_FIXED_SECONDS, APPLY_PER_FETCH, estimate, FINISH_PER_APPLY, FIRST_ESTIMATE_MS, RATE_WINDOW_MS, remainingSeconds, StageMeter, TABLE_ROWS } from '../../../src/sync/pull/progress-model';
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

describe('progress model (pure arithmetic)', () => {
  it('a stage rate looks at the recent window, so a slow start does not drag the estimate', () => {
    // 1,000 units in the first 4 s, then 1,000 units/s for 8 s.
    const steady: [number, number][] = [4, 5, 6, 7, 8, 9, 10, 11, 12].map((s) => [s * 1000, (s - 3) * 1000]);
    const m = meter(100_000, [[0, 0], ...steady]);
    expect(m.rate(12_000)).toBeCloseTo(1000, 5);
    expect(RATE_WINDOW_MS).toBeLessThanOrEqual(3000);
  });

  it('no estimate before the pages have run a while; then fetch, files and apply add up', () => {
    const idle = new StageMeter();
    expect(remainingSeconds({ fetch: idle, files: new StageMeter(), apply: new StageMeter(), nowMs: 0 })).toBeNull();
    const young = meter(1000, [[0, 0], [FIRST_ESTIMATE_MS - 1, 500]]);
    expect(remainingSeconds({ fetch: young, files: new StageMeter(), apply: new StageMeter(), nowMs: FIRST_ESTIMATE_MS - 1 })).toBeNull();
    // Fetch: half of 1,000 page bytes at 100 B/s; files: 4,000 B, prior 4× the page rate; apply: 100 rows, not started.
    const fetch = meter(1000, [[0, 0], [5000, 500]]);
    const files = new StageMeter();
    files.total = 4000;
    const apply = new StageMeter();
    apply.total = 100;
    const left = remainingSeconds({ fetch, files, apply, nowMs: 5000 })!;
    const fetchLeft = 5;
    const filesLeft = 4000 / 400;
    const applySeconds = APPLY_FIXED_SECONDS + APPLY_PER_FETCH * (1000 / 100);
    expect(left).toBeCloseTo(fetchLeft + filesLeft + applySeconds * (1 + FINISH_PER_APPLY), 5);
  });

  it('after the last table, only the finish remains: a share of the apply, counted down', () => {
    const fetch = meter(1000, [[0, 0], [1000, 1000]]);
    fetch.finish(1000);
    const apply = meter(100, [[1000, 0], [5000, 100]]);
    apply.finish(5000);
    expect(remainingSeconds({ fetch, files: new StageMeter(), apply, nowMs: 5000 })).toBeCloseTo(FINISH_PER_APPLY * 4, 5);
    expect(remainingSeconds({ fetch, files: new StageMeter(), apply, nowMs: 6000 })).toBeCloseTo(FINISH_PER_APPLY * 4 - 1, 5);
    expect(remainingSeconds({ fetch, files: new StageMeter(), apply, nowMs: 60_000 })).toBe(0);
  });

  it('percent is the elapsed share of the estimated time, never lowered, never above 99 while running', () => {
    const fetch = meter(1000, [[0, 0], [10_000, 1000]]);
    fetch.finish(10_000);
    const apply = meter(100, [[10_000, 0], [20_000, 100]]);
    apply.finish(20_000);
    const input = { fetch, files: new StageMeter(), apply, rowsFetched: new StageMeter(), startedAtMs: 0 };
    const finish = FINISH_PER_APPLY * 10;
    expect(estimate({ ...input, nowMs: 20_000, previousPercent: 0 })).toMatchObject({ percent: Math.floor((100 * 20) / (20 + finish)), etaSeconds: Math.round(finish) });
    expect(estimate({ ...input, nowMs: 20_000, previousPercent: 90 }).percent).toBe(90);
    expect(estimate({ ...input, nowMs: 90_000, previousPercent: 0 })).toMatchObject({ percent: 99, etaSeconds: 0 });
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
    const etas: number[] = [];
    const percents: number[] = [];
    for (let second = 1; second <= 15; second++) {
      at(1200 + second * 1000);
      tracker.fileProgress(10 * MB, second % 4 === 0);
      const p = tracker.snapshot();
      etas.push(p.etaSeconds!);
      percents.push(p.percent);
      expect(p).toMatchObject({ rowsPerSecond: 0, bytesPerSecond: 10 * MB });
    }
    // 10 MiB/s: at 50 of 160 MiB, 11 s of files are left, at 150 MiB 1 s; then the apply, estimated
    // from the fetch (1 s), and its finish.
    const apply = (APPLY_FIXED_SECONDS + APPLY_PER_FETCH * 1) * (1 + FINISH_PER_APPLY);
    expect(etas.every((eta, i) => i === 0 || eta <= etas[i - 1])).toBe(true);
    expect(etas[4]).toBe(Math.round(11 + apply));
    expect(etas.at(-1)).toBe(Math.round(1 + apply));
    expect(percents.every((p, i) => i === 0 || p >= percents[i - 1])).toBe(true);
    expect(percents.at(-1)).toBeGreaterThan(80);
    expect(tracker.snapshot().files).toMatchObject({ done: 3, total: 4, bytesDone: 150 * MB, bytesTotal: 160 * MB, present: 0 });
  });

  it('each table with rows weighs TABLE_ROWS more in the apply: small first tables do not make the apply look slow', () => {
    // Ten 10-row tables in 1 s (their fixed statements), then one of 10,000 rows to go.
    const etaAfterSmallTables = (planned: boolean) => {
      const { tracker, at } = tracked();
      tracker.totals({ feeds: [{ route: 'snomed', rows: 10_100, bytes: 1_010_000 }], files: { count: 0, bytes: 0 } });
      tracker.phase('fetching');
      at(10_000);
      tracker.fetched('snomed', 10_100);
      if (planned) tracker.applyPlanned(11);
      tracker.phase('applying');
      for (let i = 1; i <= 10; i++) {
        at(10_000 + i * 100);
        tracker.appliedRows(10, `small_${i}`);
      }
      return tracker.snapshot().etaSeconds!;
    };
    // Unweighted, 100 of 10,100 rows done: the apply still looks like the prior (0.2 + 0.7 × 10 s);
    // weighted, half its work is done, at the rate it showed.
    expect(TABLE_ROWS).toBeGreaterThan(0);
    expect(etaAfterSmallTables(true)).toBeLessThanOrEqual(6);
    expect(etaAfterSmallTables(false)).toBeGreaterThanOrEqual(etaAfterSmallTables(true) + 3);
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
    // Fetch took 1 s; the apply is estimated from it, the 400 MB are not counted.
    expect(p.etaSeconds).toBeLessThanOrEqual(Math.ceil((APPLY_FIXED_SECONDS + APPLY_PER_FETCH) * (1 + FINISH_PER_APPLY)));
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

  it('completes at 100 % with no time left', () => {
    const { tracker } = tracked();
    tracker.finish('completed');
    expect(tracker.snapshot()).toMatchObject({ percent: 100, etaSeconds: 0, state: 'completed', phase: 'done', error: null });
  });
});
