import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FrameDecryptor, FrameEncryptor } from '../../../src/sync/shared/chunked-cipher';
import { pageStreamId, StreamedPageMeta } from '../../../src/sync/shared/page-stream';
import { CopyRowsCheck, CopyRowsCount } from '../../../src/sync/pull/streamed-page';

const key = randomBytes(32);
const request = { route: 'volunteers', window: 'w1', after: null };
const meta: StreamedPageMeta = { table: 'volunteer', rows: 2, columns: ['id', 'name'], next: 'n1' };
const body = 'a\tAnn\nb\tBob\n';

/** The page's plaintext as the requester reads it: framed under `sent`, read under `read`, rows checked against `read`. */
async function receive(sent: StreamedPageMeta, read: StreamedPageMeta, text = body): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.from(text)]),
    new FrameEncryptor(key, pageStreamId(request, sent), 0),
    new FrameDecryptor(key, pageStreamId(request, read), 0),
    new CopyRowsCheck(new CopyRowsCount(read)),
    async (plaintext: AsyncIterable<Buffer>) => {
      for await (const chunk of plaintext) out.push(chunk);
    },
  );
  return Buffer.concat(out).toString();
}

describe('streamed pages (COPY format)', () => {
  it('pass through when headers and body are as sent', async () => {
    expect(await receive(meta, meta)).toBe(body);
  });

  it('fail authentication when a header was altered on the way (next, rows, table or columns)', async () => {
    for (const altered of [{ next: null }, { rows: 1 }, { table: 'researcher' }, { columns: ['id', 'email'] }]) {
      await expect(receive(meta, { ...meta, ...altered })).rejects.toThrow(/authentication/);
    }
  });

  it('fail authentication when replayed for another request', async () => {
    const out = pipeline(
      Readable.from([Buffer.from(body)]),
      new FrameEncryptor(key, pageStreamId(request, meta), 0),
      new FrameDecryptor(key, pageStreamId({ ...request, after: 'other' }, meta), 0),
      async (plaintext: AsyncIterable<Buffer>) => {
        for await (const chunk of plaintext) void chunk;
      },
    );
    await expect(out).rejects.toThrow(/authentication/);
  });

  it('refuse more or fewer rows than announced, and a last row cut short', async () => {
    await expect(receive(meta, meta, 'a\tAnn\n')).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
    await expect(receive(meta, meta, `${body}c\tCy\n`)).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
    await expect(receive(meta, meta, 'a\tAnn\nb\tBob')).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
  });

  it('give each line of the file table to the reader, across chunk boundaries and multi-byte characters', async () => {
    const lines: string[][] = [];
    const check = new CopyRowsCheck(new CopyRowsCount({ ...meta, rows: 3 }, (fields) => lines.push(fields)));
    const text = Buffer.from('a\tÄnn\nb\t\\N\nc\t🧪\n');
    await pipeline(Readable.from([text.subarray(0, 3), text.subarray(3, 11), text.subarray(11)]), check, async (s: AsyncIterable<Buffer>) => {
      for await (const chunk of s) void chunk;
    });
    expect(lines).toEqual([
      ['a', 'Änn'],
      ['b', '\\N'],
      ['c', '🧪'],
    ]);
  });
});
