import { PeerError } from '../../../src/core/errors/peer-error';
import { RetryPolicy, retryDelay, withRetry } from '../../../src/sync/pull/retry';

const fast: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const transient = () => new PeerError(503, 'ERR_HTTP_503', 'busy', true);

describe('retry and backoff', () => {
  it('waits exponentially, capped, and honours a capped Retry-After', () => {
    const policy: RetryPolicy = { attempts: 9, baseDelayMs: 250, maxDelayMs: 15_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelay(policy, attempt))).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000]);
    expect(retryDelay(policy, 1, 3)).toBe(3000);
    expect(retryDelay(policy, 1, 3600)).toBe(15_000);
    expect(retryDelay(policy, 5, 0)).toBe(0);
  });

  it('retries transient peer errors until one call succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'ok';
      },
      fast,
      undefined,
      (_error, _attempt, delay) => waits.push(delay),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it('gives up after the attempts of the policy with the last error', async () => {
    let calls = 0;
    const failing = withRetry(() => {
      calls++;
      return Promise.reject(transient());
    }, fast);
    await expect(failing).rejects.toMatchObject({ code: 'ERR_HTTP_503' });
    expect(calls).toBe(4);
  });

  it('does not retry what cannot succeed later, nor after the job was cancelled', async () => {
    let calls = 0;
    const refused = withRetry(() => {
      calls++;
      return Promise.reject(new PeerError(403, 'ERR_INSUFFICIENT_PERMISSIONS', 'no', false));
    }, fast);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(calls).toBe(1);

    const abort = new AbortController();
    abort.abort();
    calls = 0;
    await expect(withRetry(() => (calls++, Promise.reject(transient())), fast, abort.signal)).rejects.toBeInstanceOf(PeerError);
    expect(calls).toBe(1);

    calls = 0;
    await expect(withRetry(() => (calls++, Promise.reject(new Error('a bug'))), fast)).rejects.toThrow('a bug');
    expect(calls).toBe(1);
  });
});
