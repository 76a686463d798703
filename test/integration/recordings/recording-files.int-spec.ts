import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { RecordingStorage } from '../../../src/recordings/storage/recording-storage';
import { FileSweep } from '../../../src/sync/files/file-sweep';
import { Azurite, startAzurite } from '../../support/azurite';
import { BULK_HTTP_ENV, buildDatasetOverHttp, Dataset } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';

const MAX = 20_000;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function storedFiles(node: TestNode): Promise<string[]> {
  const out: string[] = [];
  for await (const x of node.app.get(RecordingStorage).list()) out.push(x);
  return out.sort();
}

/** Sends a body without Content-Length (chunked), as a streaming client would. */
function uploadChunked(node: TestNode, path: string, token: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${node.url}${path}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', ...bearer(token) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    const write = (i: number): void => {
      if (i === chunks.length) return void req.end();
      if (req.destroyed) return;
      req.write(chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

function fileRoutes(label: string, env: () => Promise<{ env: Record<string, string>; stop(): Promise<void> }>) {
  describe(`recording files on ${label}`, () => {
    let node: TestNode;
    let token: string;
    let dataset: Dataset;
    let stop: () => Promise<void>;
    let fileUrl: string;

    beforeAll(async () => {
      const started = await env();
      stop = started.stop;
      node = await startTestNode({ NODE_ID: `files-${label.split(' ')[0]}`, UPLOAD_MAX_BYTES: String(MAX), ...BULK_HTTP_ENV, ...started.env });
      token = await loginAsAdmin(node);
      dataset = await buildDatasetOverHttp(node, token);
      fileUrl = `/api/record-channels/${dataset.file.recordChannelId}/file`;
    });
    afterAll(async () => {
      await node?.close();
      await stop?.();
    });

    it('stores size, SHA-256, content type and locator on the record channel', async () => {
      expect(dataset.file.sha256).toBe(sha(dataset.file.content));
      const channel = dataset.rows.get('record_channel')![0];
      const res = await request(node.url).get(`/api/records/${channel.recordId}/channels/${channel.id}`).set(bearer(token)).expect(200);
      expect(res.body).toEqual(
        expect.objectContaining({ fileSha256: dataset.file.sha256, fileSizeBytes: dataset.file.content.length, fileContentType: 'text/csv' }),
      );
      expect(res.body.fileUrl).toBe(node.app.get(RecordingStorage).locator(dataset.file.sha256));
    });

    it('downloads the same bytes, whole and by range', async () => {
      const whole = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
      expect(Buffer.compare(whole.body, dataset.file.content)).toBe(0);
      expect(whole.headers['x-content-sha256']).toBe(dataset.file.sha256);
      expect(whole.headers['content-type']).toMatch(/^text\/csv/);
      const part = await request(node.url).get(fileUrl).set(bearer(token)).set('Range', 'bytes=10-29').buffer(true).parse(binary).expect(206);
      expect(Buffer.compare(part.body, dataset.file.content.subarray(10, 30))).toBe(0);
      expect(part.headers['content-range']).toBe(`bytes 10-29/${dataset.file.content.length}`);
      const tail = await request(node.url).get(fileUrl).set(bearer(token)).set('Range', 'bytes=-5').buffer(true).parse(binary).expect(206);
      expect(Buffer.compare(tail.body, dataset.file.content.subarray(-5))).toBe(0);
      const outside = await request(node.url).get(fileUrl).set(bearer(token)).set('Range', `bytes=${dataset.file.content.length}-`).expect(416);
      expect(outside.body.error).toBe('ERR_RANGE_NOT_SATISFIABLE');
    });

    it('replaces the file by a streamed (chunked) upload', async () => {
      const content = randomBytes(MAX - 100);
      const res = await uploadChunked(node, fileUrl, token, [content.subarray(0, 7000), content.subarray(7000)]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual(expect.objectContaining({ fileSha256: sha(content), fileSizeBytes: content.length }));
      const back = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
      expect(sha(back.body)).toBe(sha(content));
    });

    it('rejects an upload over UPLOAD_MAX_BYTES with 413 and stores nothing', async () => {
      const before = await storedFiles(node);
      const channelBefore = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
      const declared = await request(node.url).put(fileUrl).set(bearer(token)).set('Content-Type', 'text/csv').send(randomBytes(MAX + 1));
      expect(declared.status).toBe(413);
      expect(declared.body.error).toBe('ERR_PAYLOAD_TOO_LARGE');
      const chunked = await uploadChunked(node, fileUrl, token, [randomBytes(15_000), randomBytes(15_000), randomBytes(15_000)]);
      expect(chunked.status).toBe(413);
      expect(await storedFiles(node)).toEqual(before);
      const after = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
      expect(sha(after.body)).toBe(sha(channelBefore.body));
    });

    it('checks content type, announced SHA-256, channel id and token', async () => {
      const png = await request(node.url).put(fileUrl).set(bearer(token)).set('Content-Type', 'image/png').send(Buffer.from('x')).expect(415);
      expect(png.body.error).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
      // JSON would be consumed by the body parser before the route could stream it.
      await request(node.url).put(fileUrl).set(bearer(token)).set('Content-Type', 'application/json').send('{"a":1}').expect(415);
      const mismatch = await request(node.url)
        .put(fileUrl)
        .set(bearer(token))
        .set('Content-Type', 'text/csv')
        .set('X-Content-SHA256', sha(Buffer.from('something else')))
        .send(Buffer.from('a,b\n1,2\n'))
        .expect(422);
      expect(mismatch.body.error).toBe('ERR_CHECKSUM_MISMATCH');
      await request(node.url).put(`/api/record-channels/${crypto.randomUUID()}/file`).set(bearer(token)).set('Content-Type', 'text/csv').send('a').expect(404);
      await request(node.url).get(`/api/record-channels/not-a-uuid/file`).set(bearer(token)).expect(400);
      await request(node.url).get(fileUrl).expect(401);
      // The file columns belong to this route, not to CRUD.
      const channel = dataset.rows.get('record_channel')![0];
      const crud = await request(node.url)
        .patch(`/api/records/${channel.recordId}/channels/${channel.id}`)
        .set(bearer(token))
        .send({ fileSha256: 'a'.repeat(64) })
        .expect(400);
      expect(crud.body.fields[0].field).toBe('fileSha256');
    });

    it('the scheduled sweep collects files no row references any more, and waits while a sync holds the lock', async () => {
      const referenced = async () =>
        ((await node.dataSource.query(`SELECT DISTINCT file_sha256 AS sha FROM record_channel WHERE file_sha256 IS NOT NULL ORDER BY 1`)) as { sha: string }[]).map((r) => r.sha);
      // The channel's previous file loses its last reference when a new one replaces it.
      const replaced = (await referenced())[0];
      await request(node.url).put(fileUrl).set(bearer(token)).set('Content-Type', 'text/csv').send(randomBytes(3000)).expect(200);
      expect(await storedFiles(node)).toContain(replaced);
      const sweep = node.app.get(FileSweep);
      const holder = node.dataSource.createQueryRunner();
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [0x5052534d]);
        expect(await sweep.run()).toBe(false);
        expect(await storedFiles(node)).toContain(replaced);
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [0x5052534d]);
        await holder.release();
      }
      expect(await sweep.run()).toBe(true);
      expect(await storedFiles(node)).toEqual(await referenced());
    });

    it('content collected between its upload and its attach is never referenced: the upload is refused', async () => {
      const storage = node.app.get(RecordingStorage);
      const put = storage.put.bind(storage);
      // A sweep collects the content the moment it is stored, before the channel points at it.
      const spy = jest.spyOn(storage, 'put').mockImplementation(async (...args) => {
        const stored = await put(...args);
        await storage.delete(stored.sha256);
        return stored;
      });
      try {
        const before = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
        const res = await request(node.url).put(fileUrl).set(bearer(token)).set('Content-Type', 'text/csv').send(randomBytes(2000));
        expect(res.status).toBe(409);
        const after = await request(node.url).get(fileUrl).set(bearer(token)).buffer(true).parse(binary).expect(200);
        expect(sha(after.body)).toBe(sha(before.body));
      } finally {
        spy.mockRestore();
      }
    });
  });
}

/** supertest parser collecting the raw bytes of any content type. */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(parts)));
}

fileRoutes('filesystem storage', async () => ({ env: {}, stop: async () => undefined }));

fileRoutes('Azure Blob storage (Azurite)', async () => {
  const azurite: Azurite = await startAzurite();
  return {
    env: { STORAGE_DRIVER: 'azure', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: 'node-files' },
    stop: () => azurite.stop(),
  };
});
