import { ExpiringSlots } from '../../../src/core/limits/expiring-slots';

describe('ExpiringSlots', () => {
  let now = 0;
  const slots = () => new ExpiringSlots({ perKey: 2, total: 3, ttlMs: 1000 }, () => now);
  beforeEach(() => (now = 0));

  it('refuses a key at its limit, then everyone at the total, and frees slots as they expire', () => {
    const s = slots();
    expect([s.tryAcquire('a'), s.tryAcquire('a'), s.tryAcquire('a')]).toEqual([undefined, undefined, 'key']);
    expect([s.tryAcquire('b'), s.tryAcquire('c')]).toEqual([undefined, 'total']);
    expect([s.count('a'), s.count('c'), s.size]).toEqual([2, 0, 3]);
    now = 1000;
    expect([s.count('a'), s.size]).toEqual([0, 0]);
    expect(s.tryAcquire('c')).toBeUndefined();
  });

  it('records past the total by forgetting the oldest, so memory stays bounded', () => {
    const s = slots();
    for (let i = 0; i < 10; i++) s.record(`k${i}`);
    expect(s.size).toBe(3);
    expect([s.count('k0'), s.count('k9')]).toEqual([0, 1]);
    for (let i = 0; i < 5000; i++) s.record('flood');
    expect([s.size, s.count('flood')]).toEqual([3, 3]);
  });
});
