import type { ScheduleConfig } from '../../config/sync.config';

/**
 * Failures that a retry cannot fix until an operator acts (revoked, not authorized, capability,
 * incompatible schema or protocol, peer identity): after `pauseAfter` of them in a row a schedule
 * pauses and says why, instead of knocking on the peer forever.
 */
export const PERMANENT_FAILURES: ReadonlySet<string> = new Set([
  'ERR_NODE_NOT_FOUND',
  'ERR_NODE_NOT_AUTHORIZED',
  'ERR_NODE_REVOKED',
  'ERR_NODE_URL_MISSING',
  'ERR_INSUFFICIENT_CAPABILITY',
  'ERR_SCHEMA_MISMATCH',
  'ERR_PROTOCOL_MISMATCH',
  'ERR_PEER_IDENTITY_MISMATCH',
  'ERR_CLOCK_SKEW',
  'ERR_BEHIND_HORIZON',
]);

export function isPermanentFailure(code: string): boolean {
  return PERMANENT_FAILURES.has(code);
}

/**
 * Seconds to wait before retrying after `failures` failed pulls in a row: exponential from the base,
 * capped, with "equal jitter" (half fixed, half random) so that many nodes failing together do not
 * retry together. Never later than the schedule's own interval would have run it… unless the
 * interval is shorter than the backoff, which is the point of backing off.
 */
export function backoffSeconds(policy: Pick<ScheduleConfig, 'backoffBaseSeconds' | 'backoffMaxSeconds'>, failures: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.backoffMaxSeconds, policy.backoffBaseSeconds * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return exponential / 2 + (exponential / 2) * random();
}

/** Seconds to the next regular run: the interval with ±10 % jitter, so peers on equal schedules spread out. */
export function intervalSeconds(interval: number, random: () => number = Math.random): number {
  return interval * (0.9 + 0.2 * random());
}

export type ScheduleState = 'off' | 'idle' | 'running' | 'backing_off' | 'paused';

/** The state a connection's status shows. */
export function scheduleState(input: { intervalSeconds: number | null; pausedReason: string | null; consecutiveFailures: number; running: boolean }): ScheduleState {
  if (input.running) return 'running';
  if (input.pausedReason) return 'paused';
  if (input.intervalSeconds === null) return 'off';
  return input.consecutiveFailures > 0 ? 'backing_off' : 'idle';
}
