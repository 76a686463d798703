/**
 * Short-lived handshake state (channels, challenges, sessions, rate-limit counters). One process
 * keeps it in memory; replicas share it through Redis (REDIS_URL). Values are JSON; every key has
 * a TTL so nothing outlives its protocol lifetime.
 */
export abstract class TrustStateStore {
  abstract getJson<T>(key: string): Promise<T | undefined>;
  abstract setJson(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
  /** Atomically reads and deletes (one-time values such as challenges). */
  abstract take<T>(key: string): Promise<T | undefined>;
  abstract addToSet(key: string, member: string, ttlMs: number): Promise<void>;
  abstract removeFromSet(key: string, member: string): Promise<void>;
  abstract members(key: string): Promise<string[]>;
  /** Fixed-window counter: increments and returns the count and the time left in the window. */
  abstract increment(key: string, windowMs: number): Promise<{ count: number; msToReset: number }>;
  abstract close(): Promise<void>;
}
