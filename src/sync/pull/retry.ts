import { setTimeout as sleep } from 'node:timers/promises';
import { PeerCallError } from './peer.port';

export interface RetryPolicy {
  attempts: number;
  /** Base delay of the exponential backoff, ms. */
  baseDelayMs: number;
  /** Longest single wait, ms (also caps a peer's Retry-After). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 15_000 };

/**
 * Retries an idempotent peer read on transient failures (429 honouring Retry-After, 502/503/504,
 * connection reset, timeout) with exponential backoff, within a bounded budget.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (error: PeerCallError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const transient = error instanceof PeerCallError && error.retryable;
      if (!transient || attempt >= policy.attempts || signal?.aborted) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = error.retryAfterSeconds !== undefined ? Math.min(policy.maxDelayMs, error.retryAfterSeconds * 1000) : backoff;
      onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}
