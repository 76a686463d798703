import { BackgroundFlush } from '../../../src/sync/files/background-flush';

/** A flush that completes (or fails) when the test says so. */
function controlled() {
  const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const flush = (sha: string) => new Promise<void>((resolve, reject) => pending.set(sha, { resolve, reject }));
  return { pending, flush };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BackgroundFlush: files flushed as they arrive, a few at a time', () => {
  it('runs at most `concurrency` flushes at once, in arrival order, and counts the completed ones', async () => {
    const { pending, flush } = controlled();
    const flushes = new BackgroundFlush(flush, 2);
    for (const sha of ['a', 'b', 'c', 'd']) flushes.add(sha);
    expect([...pending.keys()]).toEqual(['a', 'b']);
    pending.get('b')!.resolve();
    await tick();
    expect([...pending.keys()]).toEqual(['a', 'b', 'c']);
    expect([...flushes.flushed]).toEqual(['b']);
  });

  it('a failed flush is not counted (the final flush does that file again)', async () => {
    const { pending, flush } = controlled();
    const flushes = new BackgroundFlush(flush, 1);
    flushes.add('a');
    flushes.add('b');
    pending.get('a')!.reject(new Error('EIO'));
    await tick();
    pending.get('b')!.resolve();
    await flushes.stop();
    expect([...flushes.flushed]).toEqual(['b']);
  });

  it('stop starts nothing more and returns once the flushes in progress have ended', async () => {
    const { pending, flush } = controlled();
    const flushes = new BackgroundFlush(flush, 1);
    flushes.add('a');
    flushes.add('b');
    let stopped = false;
    const stopping = flushes.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    pending.get('a')!.resolve();
    await stopping;
    flushes.add('c');
    expect([...pending.keys()]).toEqual(['a']);
    expect([...flushes.flushed]).toEqual(['a']);
  });
});
