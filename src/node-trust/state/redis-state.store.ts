import Redis from 'ioredis';
import { TrustStateStore } from './trust-state.store';

// INCR, start the window on the first hit, and repair a key that lost its TTL.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** State shared by the replicas of one node; every key carries the configured prefix. */
export class RedisStateStore extends TrustStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  static connect(url: string, prefix: string): RedisStateStore {
    return new RedisStateStore(new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }), prefix);
  }

  private k(key: string): string {
    return `${this.prefix}${key}`;
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.k(key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async setJson(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(this.k(key), JSON.stringify(value), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async take<T>(key: string): Promise<T | undefined> {
    const result = await this.redis.multi().get(this.k(key)).del(this.k(key)).exec();
    const raw = result?.[0]?.[1] as string | null | undefined;
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const k = this.k(key);
    const ttl = await this.redis.pttl(k);
    await this.redis
      .multi()
      .sadd(k, member)
      .pexpire(k, Math.max(ttl, Math.ceil(ttlMs)))
      .exec();
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    await this.redis.srem(this.k(key), member);
  }

  async members(key: string): Promise<string[]> {
    return this.redis.smembers(this.k(key));
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; msToReset: number }> {
    const [count, ttl] = (await this.redis.eval(INCREMENT, 1, this.k(key), String(Math.ceil(windowMs)))) as [number, number];
    return { count, msToReset: ttl };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
