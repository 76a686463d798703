import { setTimeout as sleep } from 'node:timers/promises';
import { PeerError } from '../../core/errors/peer-error';

export interface RetryPolicy {
  attempts: number;
  /** Base delay of the exponential backoff, ms. */
  baseDelayMs: number;
  /** Longest single wait, ms (also caps a peer's Retry-After). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 15_000 };

/** The wait before retry number `attempt` (1-based): exponential, capped; a peer's Retry-After wins, capped too. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(policy.maxDelayMs, retryAfterSeconds * 1000);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Retries an idempotent peer read on transient failures (429 honouring Retry-After, 502/503/504,
 * connection reset, timeout) with exponential backoff, within a bounded budget.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (error: PeerError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const transient = error instanceof PeerError && error.retryable;
      if (!transient || attempt >= policy.attempts || signal?.aborted) throw error;
      const delay = retryDelay(policy, attempt, error.retryAfter);
      onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}
