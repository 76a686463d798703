import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StagingArea } from '../../../src/sync/import/staging';
import { CopyRowsCount, fetchStreamedPage, framedRows, streamedRows, StreamedPageTarget } from '../../../src/sync/pull/streamed-page';
import { PeerBody, PeerConnection } from '../../../src/sync/pull/peer.port';
import { CHUNK_MEDIA_TYPE, FrameEncryptor } from '../../../src/sync/shared/chunked-cipher';
import { FrameBuffers } from '../../../src/sync/shared/frame-buffers';
import { pageHeaders, pageStreamId, StreamedPageMeta } from '../../../src/sync/shared/page-stream';

/**
 * A page read in place (PeerConnection.streamInPlace): the body arrives as views of one reused
 * buffer, overwritten after each call, as StreamedGet hands it on. What reaches staging must be
 * the page as sent (each frame copied out before the next read), checked as a streamed page is.
 */
const key = randomBytes(32);
const request = { route: 'volunteers', window: 'w1', after: null, page: 1 };
const target: StreamedPageTarget = { tables: new Set(['volunteer']), wireNames: () => ['id', 'name'], pageSize: 100_000 };

/** `rows` COPY lines of ~100 bytes: several frames (1 MB each) for a large count. */
const copyText = (rows: number, from = 0) => Array.from({ length: rows }, (_, i) => `${from + i}\t${'n'.repeat(90)}${from + i}\n`).join('');

async function encrypted(meta: StreamedPageMeta, text: string, alter?: (frames: Buffer) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of Readable.from([Buffer.from(text)]).pipe(new FrameEncryptor(key, pageStreamId(request, meta), 0))) parts.push(part as Buffer);
  const frames = Buffer.concat(parts);
  alter?.(frames);
  return frames;
}

/** A connection whose pages come in place: 7 KB reads into one buffer, overwritten once each read was handed on. */
function inPlaceConnection(meta: StreamedPageMeta, frames: Buffer): PeerConnection & { destroyed: boolean } {
  const connection = {
    peerProtocolId: 'peer',
    channelKey: key,
    destroyed: false,
    invoke: () => Promise.reject(new Error('not used')),
    stream: () => Promise.reject(new Error('the page must be read in place')),
    streamInPlace: async (): Promise<PeerBody> => ({
      status: 200,
      headers: { 'content-type': CHUNK_MEDIA_TYPE, ...pageHeaders(meta) },
      feed: async (piece, ready) => {
        const read = Buffer.alloc(7 * 1024);
        for (let at = 0; at < frames.length; at += read.length) {
          const n = frames.copy(read, 0, at, at + read.length);
          piece(read.subarray(0, n));
          read.fill(0xff);
          await ready();
        }
      },
      destroy: () => void (connection.destroyed = true),
    }),
    close: async () => undefined,
  };
  return connection;
}

describe('a streamed page read in place', () => {
  let root: string;
  let staging: StagingArea;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'prism-page-in-place-'));
    staging = StagingArea.create(root, 'job');
  });
  afterEach(async () => {
    await staging.remove();
    rmSync(root, { recursive: true, force: true });
  });

  const meta = (rows: number): StreamedPageMeta => ({ table: 'volunteer', rows, columns: ['id', 'name'], next: null });

  it('stages the page as sent, over several frames and reads, after the pages before it', async () => {
    const first = copyText(3);
    await fetchStreamedPage(inPlaceConnection(meta(3), await encrypted(meta(3), first)), staging, request, target, new Map());
    const second = copyText(25_000, 3);
    await fetchStreamedPage(inPlaceConnection(meta(25_000), await encrypted(meta(25_000), second)), staging, request, target, new Map());
    expect(readFileSync(staging.copyFile('volunteer'), 'utf8')).toBe(first + second);
    expect(staging.copyRows('volunteer')).toBe(25_003);
  });

  it('leaves nothing of a page with more or fewer rows than announced, or a last row cut short', async () => {
    const first = copyText(2);
    await fetchStreamedPage(inPlaceConnection(meta(2), await encrypted(meta(2), first)), staging, request, target, new Map());
    for (const [rows, text] of [
      [20_000, copyText(20_001)],
      [20_000, copyText(19_999)],
      [2, `${copyText(1)}9\tcut`],
    ] as const) {
      const connection = inPlaceConnection(meta(rows), await encrypted(meta(rows), text));
      await expect(fetchStreamedPage(connection, staging, request, target, new Map())).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
      expect(connection.destroyed).toBe(true);
      expect(readFileSync(staging.copyFile('volunteer'), 'utf8')).toBe(first);
    }
    expect(staging.copyRows('volunteer')).toBe(2);
  });

  it('refuses a tampered frame and leaves nothing of it, even when the frames before it verified', async () => {
    const text = copyText(25_000);
    // A byte of the third frame's ciphertext (frames are 1 MB + 32 bytes of header and tag).
    const frames = await encrypted(meta(25_000), text, (f) => void (f[2 * (1024 * 1024 + 32) + 100] ^= 1));
    await expect(fetchStreamedPage(inPlaceConnection(meta(25_000), frames), staging, request, target, new Map())).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE', message: expect.stringMatching(/authentication/) });
    const file = staging.copyFile('volunteer');
    expect(existsSync(file) ? statSync(file).size : 0).toBe(0);
    expect(staging.hasPages('volunteer')).toBe(false);
  });

  it('gives the frame buffers back to their pool, after a page and after a failure', async () => {
    const buffers = new FrameBuffers();
    const taken = jest.spyOn(buffers, 'take');
    const given = jest.spyOn(buffers, 'give');
    for (const [rows, text] of [
      [25_000, copyText(25_000)],
      [25_000, copyText(25_001)],
    ] as const) {
      const m = meta(rows);
      const body = await inPlaceConnection(m, await encrypted(m, text)).streamInPlace!('/');
      const write = framedRows(body, key, pageStreamId(request, m), buffers)(new CopyRowsCount(m));
      await staging.appendCopyPage('volunteer', m.columns, rows, write).catch(() => undefined);
    }
    expect(taken.mock.calls.length).toBeGreaterThan(0);
    expect(given.mock.calls.length).toBe(taken.mock.calls.length);
  });

  it('a page from a stream (a batch part) is staged after the others, and one with a row too many leaves nothing', async () => {
    const write = (rows: number, text: string) => staging.appendCopyPage('volunteer', ['id', 'name'], rows, streamedRows(Readable.from([Buffer.from(text)]))(new CopyRowsCount(meta(rows))));
    await write(2, copyText(2));
    await write(3, copyText(3, 2));
    await expect(write(3, copyText(4, 5))).rejects.toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
    expect(readFileSync(staging.copyFile('volunteer'), 'utf8')).toBe(copyText(5));
    expect(staging.copyRows('volunteer')).toBe(5);
  });
});
