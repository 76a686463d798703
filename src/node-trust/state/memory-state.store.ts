import { TrustStateStore } from './trust-state.store';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** Single-process state with lazy expiry and a periodic sweep. */
export class MemoryStateStore extends TrustStateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    return entry ? (structuredClone(entry.value) as T) : undefined;
  }

  async setJson(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.set(key, { value: structuredClone(value), expiresAt: Date.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async take<T>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value as T | undefined;
  }

  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const set = (this.live(key)?.value as Set<string> | undefined) ?? new Set<string>();
    set.add(member);
    this.entries.set(key, { value: set, expiresAt: Math.max(Date.now() + ttlMs, this.entries.get(key)?.expiresAt ?? 0) });
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    (this.live(key)?.value as Set<string> | undefined)?.delete(member);
  }

  async members(key: string): Promise<string[]> {
    return [...((this.live(key)?.value as Set<string> | undefined) ?? [])];
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; msToReset: number }> {
    const now = Date.now();
    const entry = this.live(key) ?? { value: 0, expiresAt: now + windowMs };
    entry.value = (entry.value as number) + 1;
    this.entries.set(key, entry);
    return { count: entry.value as number, msToReset: entry.expiresAt - now };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
