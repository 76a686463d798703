import { PassThrough, Readable } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { RecordReader, RecordWriter } from './bundle-format';

async function written(write: (writer: RecordWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (chunk: Buffer) => parts.push(chunk));
  const writer = new RecordWriter(out);
  await write(writer);
  out.end();
  return Buffer.concat(parts);
}

/** Feeds `bytes` in chunks of `size` (records cross chunk boundaries). */
const chunked = (bytes: Buffer, size = 7) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

const codeOf = async (f: () => Promise<unknown>) => f().then(() => 'ok', (error: AppError) => error.code);

describe('bundle records', () => {
  it('reads back what was written, pages whole and files as they come', async () => {
    const file = Buffer.from('x'.repeat(100));
    const bytes = await written(async (w) => {
      await w.write({ t: 'page', table: 'volunteer', n: 9 }, '[{"a":1}]');
      await w.write({ t: 'file', sha256: 'a'.repeat(64), size: file.length });
      await w.copy(Readable.from([file.subarray(0, 30), file.subarray(30)]), file.length);
      await w.write({ t: 'end', records: 3 });
    });
    const reader = new RecordReader(chunked(bytes), bytes.length);
    expect(await reader.next()).toEqual({ t: 'page', table: 'volunteer', n: 9 });
    expect((await reader.take(9)).toString()).toBe('[{"a":1}]');
    expect(await reader.next()).toMatchObject({ t: 'file', size: 100 });
    const parts: Buffer[] = [];
    for await (const part of reader.body(100)) parts.push(part);
    expect(Buffer.concat(parts).equals(file)).toBe(true);
    expect(await reader.next()).toEqual({ t: 'end', records: 3 });
    expect(await reader.next()).toBeUndefined();
    expect(reader.bytes).toBe(bytes.length);
  });

  it('refuses a stored file whose size is not its row\'s', async () => {
    await expect(written((w) => w.copy(Readable.from([Buffer.alloc(5)]), 6))).rejects.toThrow(/fewer bytes/);
    await expect(written((w) => w.copy(Readable.from([Buffer.alloc(7)]), 6))).rejects.toThrow(/more bytes/);
  });

  it('refuses cut, unknown, oversized and overlong content with bundle codes', async () => {
    const page = await written((w) => w.write({ t: 'page', table: 't', n: 20 }, '[1,2]'));
    expect(await codeOf(async () => {
      const reader = new RecordReader(chunked(page), page.length);
      await reader.next();
      await reader.take(20);
    })).toBe('ERR_BUNDLE_MALFORMED');
    const unknown = Buffer.from('{"t":"shell","n":1}\n');
    expect(await codeOf(() => new RecordReader(chunked(unknown), 100).next())).toBe('ERR_BUNDLE_MALFORMED');
    const noNewline = Buffer.alloc(70 * 1024, 0x41);
    expect(await codeOf(() => new RecordReader(chunked(noNewline, 4096), noNewline.length).next())).toBe('ERR_BUNDLE_MALFORMED');
    expect(await codeOf(() => new RecordReader(chunked(page), 10).next())).toBe('ERR_BUNDLE_TAMPERED');
  });
});
