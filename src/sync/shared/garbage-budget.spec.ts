import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FrameEncryptor, FrameOpener } from './chunked-cipher';
import { FrameBuffers } from './frame-buffers';
import { exposedGc, GarbageBudget } from './garbage-budget';

describe('GarbageBudget', () => {
  const limits = { young: 20, ceiling: 100, every: 10 };

  it('checks the Buffer memory every `every` bytes: garbage above `young` a young collection, still above the ceiling after one a full one', () => {
    const collect = jest.fn();
    let buffers = 15;
    const budget = new GarbageBudget(collect, () => buffers, () => 0, limits);
    budget.spent(9);
    budget.spent(30);
    expect(collect).not.toHaveBeenCalled();
    buffers = 50;
    budget.spent(5);
    expect(collect).not.toHaveBeenCalled();
    budget.spent(5);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    // Between young and ceiling: young collections only.
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    buffers = 150;
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(3);
    expect(collect).toHaveBeenLastCalledWith();
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(4);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    buffers = 15;
    budget.spent(10);
    buffers = 150;
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(5);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    buffers = 15;
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(5);
  });

  it('leaves the live buffers (the frame pool) out of the garbage', () => {
    const collect = jest.fn();
    let live = 40;
    const budget = new GarbageBudget(collect, () => 50, () => live, limits);
    budget.spent(10);
    expect(collect).not.toHaveBeenCalled();
    live = 0;
    budget.spent(10);
    expect(collect).toHaveBeenCalledWith({ type: 'minor' });
  });

  it('does nothing without V8 gc (a process started without --expose-gc)', () => {
    const bufferBytes = jest.fn(() => 1e9);
    expect(() => new GarbageBudget(null, bufferBytes, () => 0, { young: 1, ceiling: 1, every: 1 }).spent(10)).not.toThrow();
    expect(bufferBytes).not.toHaveBeenCalled();
    expect(exposedGc()).toBe(typeof globalThis.gc === 'function' ? globalThis.gc : undefined);
  });

  it('is charged by a FrameOpener for every chunk it reads', async () => {
    const key = randomBytes(32);
    const data = randomBytes(5000);
    const sha = createHash('sha256').update(data).digest('hex');
    const frames: Buffer[] = [];
    for await (const part of Readable.from([data]).pipe(new FrameEncryptor(key, sha, 0))) frames.push(part as Buffer);
    const wire = Buffer.concat(frames);
    const collect = jest.fn();
    const plaintext: Buffer[] = [];
    const budget = new GarbageBudget(collect, () => 2, () => 0, { young: 1, ceiling: 1, every: wire.length });
    const opener = new FrameOpener(key, sha, 0, { frameStarted: () => undefined, deciphered: (p) => void plaintext.push(p), verified: () => undefined }, budget);
    opener.write(wire.subarray(0, 100));
    expect(collect).not.toHaveBeenCalled();
    opener.write(wire.subarray(100));
    opener.end();
    expect(collect).toHaveBeenCalledTimes(1);
    expect(Buffer.concat(plaintext).equals(data)).toBe(true);
  });
});

describe('FrameBuffers.liveBytes', () => {
  it('counts the buffers allocated and alive, reused ones once', () => {
    const pool = new FrameBuffers(2, 60_000);
    const a = pool.take();
    const b = pool.take();
    expect(pool.liveBytes).toBe(2 * FrameBuffers.SIZE);
    pool.give(a);
    expect(pool.take()).toBe(a);
    expect(pool.liveBytes).toBe(2 * FrameBuffers.SIZE);
    pool.give(a);
    pool.give(b);
    expect(pool.liveBytes).toBe(2 * FrameBuffers.SIZE);
  });

  it('counts out a buffer once it is collected (given back past `keep`, or never)', async () => {
    // V8's gc without --expose-gc (jest's workers are started without it): the flag set at run
    // time exposes it to contexts created afterwards.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = new FrameBuffers(0, 60_000);
    pool.give(pool.take());
    void pool.take();
    expect(pool.liveBytes).toBe(2 * FrameBuffers.SIZE);
    for (let i = 0; i < 10 && pool.liveBytes > 0; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(pool.liveBytes).toBe(0);
  });
});
