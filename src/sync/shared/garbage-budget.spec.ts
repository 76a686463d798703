import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FrameEncryptor, FrameOpener } from './chunked-cipher';
import { exposedGc, GarbageBudget } from './garbage-budget';

describe('GarbageBudget', () => {
  it('asks for one full collection each time the bytes spent pass the budget', () => {
    const collect = jest.fn();
    const budget = new GarbageBudget(collect, 100);
    budget.spent(60);
    expect(collect).not.toHaveBeenCalled();
    budget.spent(40);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(collect).toHaveBeenCalledWith({ type: 'major' });
    budget.spent(99);
    expect(collect).toHaveBeenCalledTimes(1);
    budget.spent(250);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does nothing without V8 gc (a process started without --expose-gc)', () => {
    expect(() => new GarbageBudget(undefined, 1).spent(10)).not.toThrow();
    expect(exposedGc()).toBe(typeof globalThis.gc === 'function' ? globalThis.gc : undefined);
  });

  it('is charged by a FrameOpener for every chunk it reads and the plaintext it makes', async () => {
    const key = randomBytes(32);
    const data = randomBytes(5000);
    const sha = createHash('sha256').update(data).digest('hex');
    const frames: Buffer[] = [];
    for await (const part of Readable.from([data]).pipe(new FrameEncryptor(key, sha, 0))) frames.push(part as Buffer);
    const wire = Buffer.concat(frames);
    const collect = jest.fn();
    const plaintext: Buffer[] = [];
    const opener = new FrameOpener(key, sha, 0, { frameStarted: () => undefined, deciphered: (p) => void plaintext.push(p), verified: () => undefined }, new GarbageBudget(collect, 2 * wire.length));
    opener.write(wire.subarray(0, 100));
    expect(collect).not.toHaveBeenCalled();
    opener.write(wire.subarray(100));
    opener.end();
    expect(collect).toHaveBeenCalledTimes(1);
    expect(Buffer.concat(plaintext).equals(data)).toBe(true);
  });
});
