import { ThrottlerStorage } from '@nestjs/throttler';
import { TrustStateStore } from '../state/trust-state.store';

/**
 * Fixed-window counters in the trust state store, so replicas on one Redis share one budget.
 * A request is blocked when it is beyond the limit (limit N lets exactly N through per window;
 * the reference's `>=` off-by-one is not copied), and blocked requests do not extend the window.
 */
export class StateThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly state: TrustStateStore) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string) {
    const { count, msToReset } = await this.state.increment(`throttle:${throttlerName}:${key}`, ttl);
    const seconds = Math.max(1, Math.ceil(msToReset / 1000));
    const isBlocked = count > limit;
    return { totalHits: count, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}
