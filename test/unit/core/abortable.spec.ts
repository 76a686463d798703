import { unlessAborted } from '../../../src/core/abortable';

/** A promise settled from outside, for a step that does not answer until told. */
function pending<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('unlessAborted', () => {
  it('passes the step’s value or failure through while the signal is not aborted', async () => {
    await expect(unlessAborted(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(unlessAborted(Promise.reject(new Error('peer said no')), new AbortController().signal)).rejects.toThrow('peer said no');
    await expect(unlessAborted(Promise.resolve(7), undefined)).resolves.toBe(7);
  });

  it('rejects as soon as the signal aborts, with its reason, and hands a late value to discard', async () => {
    const step = pending<string>();
    const abort = new AbortController();
    const discarded: string[] = [];
    const waiting = unlessAborted(step.promise, abort.signal, (late) => discarded.push(late));
    abort.abort('the node is stopping');
    await expect(waiting).rejects.toThrow('cancelled: the node is stopping');
    step.resolve('a connection');
    await step.promise;
    await new Promise((r) => setImmediate(r));
    expect(discarded).toEqual(['a connection']);
  });

  it('rejects at once when the signal was aborted before, dropping the step’s later failure', async () => {
    const step = pending<string>();
    const abort = new AbortController();
    abort.abort();
    await expect(unlessAborted(step.promise, abort.signal)).rejects.toThrow('cancelled: aborted');
    step.reject(new Error('timeout'));
    await new Promise((r) => setImmediate(r));
  });
});
