import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FrameEncryptor, FrameOpener } from './chunked-cipher';
import { exposedGc, GarbageBudget } from './garbage-budget';

describe('GarbageBudget', () => {
  it('checks the Buffer memory every `every` bytes: under the ceiling nothing, above it a young collection, then a full one if still above', () => {
    const collect = jest.fn();
    let buffers = 50;
    const budget = new GarbageBudget(collect, () => buffers, 100, 10);
    budget.spent(9);
    budget.spent(30);
    expect(collect).not.toHaveBeenCalled();
    buffers = 150;
    budget.spent(5);
    expect(collect).not.toHaveBeenCalled();
    budget.spent(5);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(collect).toHaveBeenLastCalledWith();
    buffers = 50;
    budget.spent(10);
    buffers = 150;
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(3);
    expect(collect).toHaveBeenLastCalledWith({ type: 'minor' });
    buffers = 50;
    budget.spent(10);
    expect(collect).toHaveBeenCalledTimes(3);
  });

  it('does nothing without V8 gc (a process started without --expose-gc)', () => {
    const bufferBytes = jest.fn(() => 1e9);
    expect(() => new GarbageBudget(undefined, bufferBytes, 1, 1).spent(10)).not.toThrow();
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
    const budget = new GarbageBudget(collect, () => 2, 1, wire.length);
    const opener = new FrameOpener(key, sha, 0, { frameStarted: () => undefined, deciphered: (p) => void plaintext.push(p), verified: () => undefined }, budget);
    opener.write(wire.subarray(0, 100));
    expect(collect).not.toHaveBeenCalled();
    opener.write(wire.subarray(100));
    opener.end();
    expect(collect).toHaveBeenCalledTimes(1);
    expect(Buffer.concat(plaintext).equals(data)).toBe(true);
  });
});
