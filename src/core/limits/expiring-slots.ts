/** Why a slot was refused: the key is at its limit, or every slot of the whole set is taken. */
export type SlotRefusal = 'key' | 'total';

export interface SlotLimits {
  /** Live slots one key (a client IP, a login) may hold. */
  perKey: number;
  /** Live slots of all keys together: what bounds the memory an anonymous flood can make us hold. */
  total: number;
  /** Lifetime of a slot. */
  ttlMs: number;
}

/**
 * Counts of live, expiring slots per key with a cap per key and in total — the one admission
 * control for anything an unauthenticated caller can make this process hold or try (channels,
 * challenges, failed logins). Memory is O(total). Every slot lives `ttlMs`, so the FIFO of slots is
 * also their expiry order and expiring them is amortised O(1).
 */
export class ExpiringSlots {
  private readonly live = new Map<string, number>();
  private readonly queue: { key: string; expiresAt: number }[] = [];
  private head = 0;

  constructor(
    readonly limits: SlotLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Live slots of a key. */
  count(key: string): number {
    this.expire();
    return this.live.get(key) ?? 0;
  }

  /** Live slots of all keys. */
  get size(): number {
    this.expire();
    return this.queue.length - this.head;
  }

  /** Takes a slot for `key`, or says why not (nothing is taken then). */
  tryAcquire(key: string): SlotRefusal | undefined {
    this.expire();
    if ((this.live.get(key) ?? 0) >= this.limits.perKey) return 'key';
    if (this.queue.length - this.head >= this.limits.total) return 'total';
    this.push(key);
    return undefined;
  }

  /**
   * Records an event that must not be refused (a failed login has happened), evicting the oldest
   * slot when the set is full; returns the key's live count.
   */
  record(key: string): number {
    this.expire();
    if (this.queue.length - this.head >= this.limits.total) this.dropHead();
    this.push(key);
    return this.live.get(key)!;
  }

  private push(key: string): void {
    this.queue.push({ key, expiresAt: this.clock() + this.limits.ttlMs });
    this.live.set(key, (this.live.get(key) ?? 0) + 1);
  }

  private expire(): void {
    const now = this.clock();
    while (this.head < this.queue.length && this.queue[this.head].expiresAt <= now) this.dropHead();
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private dropHead(): void {
    const { key } = this.queue[this.head++];
    const left = (this.live.get(key) ?? 1) - 1;
    if (left > 0) this.live.set(key, left);
    else this.live.delete(key);
  }
}
