import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { AppConfig } from '../../../src/config';
import type { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { FileServing } from '../../../src/sync/export/file-serving';
import type { SyncedFiles } from '../../../src/sync/files/synced-files.port';
import { FrameDecryptor, FRAME_PLAINTEXT_MAX } from '../../../src/sync/shared/chunked-cipher';

const key = randomBytes(32);
const content = randomBytes(FRAME_PLAINTEXT_MAX + 5000);
const sha256 = createHash('sha256').update(content).digest('hex');
const info = { rowId: 'r', sha256, size: content.length, contentType: 'text/csv' };

/** The stream form of the file as FileServing writes it, deciphered from `offset`. */
async function served(files: Partial<SyncedFiles>, range?: { start: number; end: number }): Promise<Buffer> {
  const serving = new FileServing(files as SyncedFiles, {} as SyncCatalog, {} as AppConfig);
  const send = await serving.open(info, range);
  const frames: Buffer[] = [];
  const out = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      frames.push(Buffer.from(chunk));
      done();
    },
  });
  await send(out, key);
  await finished(out);
  const plaintext: Buffer[] = [];
  await pipeline(Readable.from(frames), new FrameDecryptor(key, sha256, range?.start ?? 0), async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) plaintext.push(part);
  });
  return Buffer.concat(plaintext);
}

describe('FileServing: the stream form of a served file', () => {
  it('reads a store with local files at positions (no read stream), the whole file or a range', async () => {
    const openRead = jest.fn();
    const closed = jest.fn();
    const files: Partial<SyncedFiles> = {
      openRead,
      openPositional: async () => ({
        read: async (buffer, offset, length, position) => content.copy(buffer, offset, position, position + length),
        close: async () => void closed(),
      }),
    };
    expect((await served(files)).equals(content)).toBe(true);
    expect((await served(files, { start: 10, end: FRAME_PLAINTEXT_MAX + 20 })).equals(content.subarray(10, FRAME_PLAINTEXT_MAX + 21))).toBe(true);
    expect(openRead).not.toHaveBeenCalled();
    expect(closed).toHaveBeenCalledTimes(2);
  });

  it('streams a store without local files (openRead of the range) into the same frames', async () => {
    const openRead = jest.fn(async (_sha: string, range?: { start: number; end: number }) => Readable.from([content.subarray(range?.start ?? 0, range ? range.end + 1 : undefined)]));
    const files: Partial<SyncedFiles> = { openRead, openPositional: async () => undefined };
    expect((await served(files)).equals(content)).toBe(true);
    expect((await served(files, { start: 10, end: 99 })).equals(content.subarray(10, 100))).toBe(true);
    expect(openRead).toHaveBeenLastCalledWith(sha256, { start: 10, end: 99 });
  });
});
