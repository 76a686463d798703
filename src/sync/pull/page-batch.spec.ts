import { Readable } from 'node:stream';
import { PartReader } from './page-batch';

/** A batch's plaintext as its parts arrive: lines and runs of lines split anywhere across chunks. */
describe('PartReader', () => {
  const read = async (stream: Readable) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const reader = (text: string, at: number[]) => {
    const bytes = Buffer.from(text);
    const cuts = [0, ...at, bytes.length];
    return new PartReader(Readable.from(cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end))));
  };

  it('reads header lines and exactly n lines of a part, wherever the chunks are cut', async () => {
    const text = '{"h":1}\na\tb\nc\td\n{"h":2}\n[]\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parts = reader(text, [cut, Math.min(text.length - 1, cut + 3)]);
      expect(await parts.line(100)).toBe('{"h":1}');
      expect(await read(parts.lines(2))).toBe('a\tb\nc\td\n');
      expect(await parts.line(100)).toBe('{"h":2}');
      expect(await parts.line(100)).toBe('[]');
      expect(await parts.line(100)).toBeNull();
    }
  });

  it('refuses a line longer than allowed, a stream cut inside a line or inside a part', async () => {
    await expect(reader('x'.repeat(50), [10, 20]).line(16)).rejects.toThrow(/longer than allowed/);
    await expect(reader('{"h":1}', [3]).line(100)).rejects.toThrow(/inside a line/);
    const parts = reader('{"h":1}\na\n', [4]);
    await parts.line(100);
    await expect(read(parts.lines(2))).rejects.toThrow(/inside a page/);
  });
});
