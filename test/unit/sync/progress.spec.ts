import { ProgressTracker, SyncProgress } from '../../../src/sync/pull/progress';

function tracked(): { tracker: ProgressTracker; seen: SyncProgress[] } {
  const tracker = new ProgressTracker('job-1', 'pull', 'peer-1');
  const seen: SyncProgress[] = [];
  tracker.updates.subscribe((p) => seen.push(p));
  return { tracker, seen };
}

describe('progress arithmetic', () => {
  it('weights fetch 50 %, file bytes 30 % and apply 20 %, and never reaches 100 before the commit', () => {
    const { tracker } = tracked();
    tracker.phase('manifest');
    tracker.totals(100, 10_000, 2, 1000);
    expect(tracker.snapshot().percent).toBe(0);
    tracker.phase('fetching');
    tracker.fetched(50, 5000);
    expect(tracker.snapshot().percent).toBe(25);
    tracker.fetched(50, 5000);
    expect(tracker.snapshot().percent).toBe(50);
    tracker.phase('files');
    tracker.fileProgress(500, false);
    expect(tracker.snapshot().percent).toBe(65);
    tracker.fileProgress(500, true);
    tracker.fileProgress(0, true);
    expect(tracker.snapshot()).toMatchObject({ percent: 80, files: { done: 2, total: 2, bytesDone: 1000, bytesTotal: 1000 } });
    tracker.phase('applying');
    tracker.appliedRows(100, 'volunteer');
    expect(tracker.snapshot()).toMatchObject({ percent: 99, table: 'volunteer', applied: { done: 100, total: 100 } });
    tracker.finish('completed');
    expect(tracker.snapshot()).toMatchObject({ percent: 100, state: 'completed', phase: 'done', error: null });
  });

  it('caps done counts at the totals and never lowers the percentage', () => {
    const { tracker } = tracked();
    tracker.totals(10, 100, 0, 0);
    tracker.phase('fetching');
    tracker.fetched(25, 1000);
    expect(tracker.snapshot()).toMatchObject({ rows: { done: 10, total: 10 }, bytes: { done: 100, total: 100 } });
    const before = tracker.snapshot().percent;
    tracker.phase('connecting');
    expect(tracker.snapshot().percent).toBe(before);
  });

  it('a feed without files counts its file share as done, and a failure keeps its percentage and says why', () => {
    const { tracker, seen } = tracked();
    tracker.totals(4, 40, 0, 0);
    tracker.phase('applying');
    tracker.fetched(4, 40);
    tracker.appliedRows(2, 't');
    expect(tracker.snapshot().percent).toBe(90);
    tracker.finish('rolled_back', { code: 'ERR_APPLY_FAILED', message: 'boom' });
    expect(tracker.snapshot()).toMatchObject({ state: 'rolled_back', percent: 90, error: { code: 'ERR_APPLY_FAILED' } });
    expect(seen.at(-1)?.state).toBe('rolled_back');
    let completed = false;
    tracker.updates.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });
});
