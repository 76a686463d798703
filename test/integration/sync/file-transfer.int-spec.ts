import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import request from 'supertest';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { RecordingStorage } from '../../../src/recordings/storage/recording-storage';
import { SyncedFiles } from '../../../src/sync/files/synced-files.port';
import { FrameDecryptor } from '../../../src/sync/shared/chunked-cipher';
import { BULK_HTTP_ENV, buildDatasetOverHttp, SAMPLE_RECORDING } from '../../support/dataset';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

const MB = 1024 * 1024;

/** Where the filesystem store keeps a file (its locator is the file: URL of that path). */
const storagePath = (storage: RecordingStorage, sha: string) => fileURLToPath(storage.locator(sha));

/** 200 MB of random content, produced 1 MB at a time, hashed on the way. */
function bigFile(sizeMb: number, hash: ReturnType<typeof createHash>): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced === sizeMb) return void this.push(null);
      produced++;
      const chunk = randomBytes(MB);
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<{ sha: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha: hash.digest('hex'), size };
}

describe('recording files between nodes', () => {
  let pair: NodePair;
  let client: NodeChannelClient;
  let channelId: string;
  let big: { sha: string; size: number };

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    const dataset = await buildDatasetOverHttp(pair.b, pair.adminB);
    channelId = dataset.file.recordChannelId;
    client = pair.a.app.get(NodeChannelClientFactory).create({ url: pair.b.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await pair?.close();
  });

  it('resumes a stream from a byte offset with Range', async () => {
    const offset = 17;
    const res = await client.stream('GET', `/api/sync/recordings/${channelId}/stream`, undefined, { Range: `bytes=${offset}-` });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${offset}-${SAMPLE_RECORDING.length - 1}/${SAMPLE_RECORDING.length}`);
    const sha = res.headers['x-file-sha256']!;
    const parts: Buffer[] = [];
    await pipeline(res.data, new FrameDecryptor(client.channelKey, sha, offset), async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) parts.push(part);
    });
    expect(Buffer.concat(parts).equals(SAMPLE_RECORDING.subarray(offset))).toBe(true);
  });

  it('reads the stream in place (reused buffers) with the same frames, Range included', async () => {
    expect(client.streamsInPlace).toBe(true);
    for (const offset of [0, 17]) {
      const res = await client.streamInPlace(`/api/sync/recordings/${channelId}/stream`, offset ? { Range: `bytes=${offset}-` } : {});
      expect(res.status).toBe(offset ? 206 : 200);
      const decryptor = new FrameDecryptor(client.channelKey, res.headers['x-file-sha256'], offset);
      const parts: Buffer[] = [];
      decryptor.on('data', (part: Buffer) => parts.push(part));
      // Each chunk is a view of the connection's read buffer: the decryptor copies what it keeps.
      await res.feed(
        (chunk) => void decryptor.write(Buffer.from(chunk)),
        () => undefined,
      );
      await new Promise<void>((resolve, reject) => decryptor.end((error?: Error | null) => (error ? reject(error) : resolve())));
      expect(Buffer.concat(parts).equals(SAMPLE_RECORDING.subarray(offset))).toBe(true);
    }
    // Error answers come back as the peer's errors, decrypted, as with `stream`.
    await expect(client.streamInPlace(`/api/sync/recordings/${channelId}/stream`, { Range: 'bytes=999999999-' })).rejects.toMatchObject({ status: 416 });
  });

  it('refuses a range outside the file with 416', async () => {
    await expect(client.stream('GET', `/api/sync/recordings/${channelId}/stream`, undefined, { Range: 'bytes=999999999-' })).rejects.toMatchObject({ status: 416 });
  });

  it('streams a 200 MB file with flat memory and the announced SHA-256', async () => {
    const hash = createHash('sha256');
    const stored = await pair.b.app.get(RecordingStorage).put(bigFile(200, hash));
    big = { sha: hash.digest('hex'), size: 200 * MB };
    expect(stored).toEqual({ sha256: big.sha, size: big.size });
    await pair.b.dataSource.query(`UPDATE record_channel SET file_sha256 = $1, file_size_bytes = $2 WHERE id = $3`, [big.sha, big.size, channelId]);

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const res = await client.stream('GET', `/api/sync/recordings/${channelId}/stream`);
      expect(res.headers['x-file-sha256']).toBe(big.sha);
      expect(Number(res.headers['x-file-size'])).toBe(big.size);
      const received = await sha256Of(res.data.pipe(new FrameDecryptor(client.channelKey, big.sha, 0)));
      expect(received).toEqual(big);
    } finally {
      clearInterval(sampler);
    }
    // Both ends of the transfer run in this process: together they must stay under 50 MB of growth.
    expect((peak - baseline) / MB).toBeLessThan(50);
  });

  it('a preview reports the files a pull would download without downloading any', async () => {
    const served = jest.spyOn(pair.b.app.get(SyncedFiles), 'openRead');
    try {
      const res = await request(pair.a.url).post('/api/sync/preview').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
      expect(res.status).toBe(200);
      expect(res.body.preview.files).toEqual({
        referenced: 1,
        downloaded: 0,
        alreadyPresent: 0,
        bytesDownloaded: 0,
        bytesReferenced: big.size,
        toDownload: 1,
        bytesToDownload: big.size,
      });
      expect(served).not.toHaveBeenCalled();
      expect(await pair.a.app.get(RecordingStorage).has(big.sha)).toBe(false);
      // The job's last progress agrees with the summary: the file counted, nothing downloaded.
      const job = await request(pair.a.url).get(`/api/sync/jobs/${res.body.jobId}`).set(bearer(pair.adminA));
      expect(job.body).toMatchObject({ state: 'completed', percent: 100, files: { total: 1, present: 0, bytesTotal: big.size, bytesDone: 0 } });
    } finally {
      served.mockRestore();
    }
  });

  it('a pull downloads, verifies and stores the file content-addressed', async () => {
    const storage = pair.a.app.get(RecordingStorage);
    // The received part itself becomes the stored file, made durable before the apply commits the row.
    const events: string[] = [];
    const adopt = storage.adoptFile.bind(storage);
    const adopted = jest.spyOn(storage, 'adoptFile').mockImplementation(async (path, file) => {
      const inode = statSync(path).ino;
      await adopt(path, file);
      events.push(`adopted ${file.sha256}, same inode: ${statSync(storagePath(storage, file.sha256)).ino === inode}`);
    });
    // Flushed as it arrives (in the background of other transfers), then the batch's directories.
    const flushFile = storage.flushFile.bind(storage);
    const early = jest.spyOn(storage, 'flushFile').mockImplementation(async (sha) => {
      await flushFile(sha);
      events.push(`flushed ${sha}`);
    });
    const durable = storage.makeDurable.bind(storage);
    const flushed = jest.spyOn(storage, 'makeDurable').mockImplementation(async (hashes, options) => {
      await durable(hashes, options);
      const [row] = await pair.a.dataSource.query(`SELECT file_sha256 FROM record_channel WHERE id = $1`, [channelId]);
      events.push(`durable ${hashes.join(',')} (already flushed: ${[...(options?.flushed ?? [])].join(',')}), row committed: ${row?.file_sha256 === big.sha}`);
    });
    let res: request.Response;
    try {
      res = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    } finally {
      adopted.mockRestore();
      early.mockRestore();
      flushed.mockRestore();
    }
    expect(events).toEqual([`adopted ${big.sha}, same inode: true`, `flushed ${big.sha}`, `durable ${big.sha} (already flushed: ${big.sha}), row committed: false`]);
    expect(res.status).toBe(200);
    expect(res.body.summary.files).toMatchObject({ referenced: 1, downloaded: 1, toDownload: 1, bytesToDownload: big.size, bytesDownloaded: big.size });
    // One set of counts: the summary, the job's last progress and /metrics say the same bytes.
    const job = await request(pair.a.url).get(`/api/sync/jobs/${res.body.jobId}`).set(bearer(pair.adminA));
    expect(job.body).toMatchObject({ state: 'completed', percent: 100, files: { done: 1, total: 1, present: 0, bytesDone: big.size, bytesTotal: big.size } });
    const metrics = await request(pair.a.url).get('/metrics');
    expect(metrics.text).toContain(`prism_sync_bytes_total{aggregate="recordings"} ${big.size}`);
    expect(await storage.has(big.sha)).toBe(true);
    expect(await sha256Of(await storage.openRead(big.sha))).toEqual(big);
    const [row] = await pair.a.dataSource.query(`SELECT file_url FROM record_channel WHERE id = $1`, [channelId]);
    expect(row.file_url).toBe(storage.locator(big.sha));
  });
});
