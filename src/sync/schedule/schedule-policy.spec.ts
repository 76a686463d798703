import { backoffSeconds, intervalSeconds, isPermanentFailure, scheduleState } from './schedule-policy';

describe('schedule policy', () => {
  const policy = { backoffBaseSeconds: 30, backoffMaxSeconds: 3600 };

  it('backs off exponentially with equal jitter, bounded by the maximum', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(policy, n, () => 1))).toEqual([30, 60, 120, 240]);
    expect([1, 2, 3, 4].map((n) => backoffSeconds(policy, n, () => 0))).toEqual([15, 30, 60, 120]);
    expect(backoffSeconds(policy, 50, () => 1)).toBe(3600);
    expect(backoffSeconds(policy, 1000, () => 0.5)).toBe(2700);
  });

  it('spreads regular runs by ±10 %', () => {
    expect(intervalSeconds(100, () => 0)).toBe(90);
    expect(intervalSeconds(100, () => 1)).toBeCloseTo(110);
  });

  it('tells permanent failures (an operator must act) from transient ones', () => {
    expect(isPermanentFailure('ERR_NODE_NOT_AUTHORIZED')).toBe(true);
    expect(isPermanentFailure('ERR_INSUFFICIENT_CAPABILITY')).toBe(true);
    expect(isPermanentFailure('ERR_PEER_UNREACHABLE')).toBe(false);
    expect(isPermanentFailure('ERR_PEER_TIMEOUT')).toBe(false);
  });

  it('derives the state a connection shows', () => {
    const base = { intervalSeconds: 60, pausedReason: null, consecutiveFailures: 0, running: false };
    expect(scheduleState(base)).toBe('idle');
    expect(scheduleState({ ...base, intervalSeconds: null })).toBe('off');
    expect(scheduleState({ ...base, consecutiveFailures: 2 })).toBe('backing_off');
    expect(scheduleState({ ...base, pausedReason: 'ERR_NODE_REVOKED: …' })).toBe('paused');
    expect(scheduleState({ ...base, pausedReason: 'x', running: true })).toBe('running');
  });
});
