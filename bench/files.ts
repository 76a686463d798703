import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { prng } from './generate';

/**
 * The recording file set: ~215 Hz `timestamp,value` CSV files (the mobile app's format), written
 * into the source node's file store in its content-addressed layout (<root>/<aa>/<bb>/<sha256>)
 * and referenced from record_channel rows (file_sha256, file_size_bytes, file_url).
 */

export interface FileSet {
  files: { sha256: string; size: number; path: string }[];
  bytes: number;
}

const SAMPLE_PERIOD_MS = 1000 / 215;

/** One recording of about `bytes` bytes; distinct per (seed, index). */
function recording(bytes: number, seed: number, index: number): Buffer {
  const random = prng(seed * 7919 + index);
  const lines: string[] = ['timestamp,value'];
  let size = 16;
  const phase = random() * Math.PI * 2;
  const amplitude = 0.2 + random();
  for (let k = 0; size < bytes; k++) {
    const value = amplitude * Math.sin(phase + k / 9) * Math.sin(k / 401) + (random() - 0.5) * 0.05;
    const line = `${(k * SAMPLE_PERIOD_MS).toFixed(3)},${value.toFixed(6)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/**
 * Writes `totalBytes` of recordings (files of ~`fileBytes`) into `storeRoot` and attaches them to
 * the first record channels of the source (one file per channel).
 */
export async function attachFiles(client: Client, storeRoot: string, options: { totalBytes: number; fileBytes: number; seed: number }): Promise<FileSet> {
  const channels = (await client.query(`SELECT id FROM record_channel ORDER BY id LIMIT $1`, [Math.ceil(options.totalBytes / options.fileBytes)])).rows as { id: string }[];
  if (channels.length === 0) throw new Error('no record_channel rows to attach files to');
  const perFile = Math.ceil(options.totalBytes / channels.length);
  const set: FileSet = { files: [], bytes: 0 };
  for (let i = 0; i < channels.length; i++) {
    const content = recording(perFile, options.seed, i);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const dir = join(storeRoot, sha256.slice(0, 2), sha256.slice(2, 4));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, sha256);
    writeFileSync(path, content);
    set.files.push({ sha256, size: content.length, path });
    set.bytes += content.length;
  }
  await client.query(
    `UPDATE record_channel rc SET file_sha256 = f.sha, file_size_bytes = f.size, file_content_type = 'text/csv', file_url = f.url
     FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) AS f(id, sha, size, url) WHERE rc.id = f.id`,
    [channels.map((c) => c.id), set.files.map((f) => f.sha256), set.files.map((f) => f.size), set.files.map((f) => pathToFileURL(f.path).href)],
  );
  return set;
}

/** Script of the raw file server: GET /<index> streams files[index] (a separate process, as a node is). */
const SERVER_SCRIPT = `
const http = require('node:http'); const fs = require('node:fs');
const files = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const server = http.createServer((req, res) => {
  const file = files[Number(req.url.slice(1))];
  if (!file) { res.statusCode = 404; return res.end(); }
  res.setHeader('content-length', file.size);
  fs.createReadStream(file.path).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

/**
 * The files baseline: a tiny Node HTTP server (own process) streams every file of the set over
 * loopback to a client writing it to disk, one file after another (as the pull does). Returns ms.
 */
export async function rawHttpCopy(set: FileSet, workDir: string): Promise<number> {
  const list = join(workDir, 'raw-files.json');
  const target = join(workDir, 'raw-copy');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  writeFileSync(list, JSON.stringify(set.files));
  const server = spawn(process.execPath, ['-e', SERVER_SCRIPT, list], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once('message', (m) => resolve(Number(m)));
      server.once('exit', () => reject(new Error('raw file server exited')));
    });
    const started = performance.now();
    for (let i = 0; i < set.files.length; i++) {
      await new Promise<void>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/${i}`, (res) => {
          pipeline(res, createWriteStream(join(target, set.files[i].sha256))).then(resolve, reject);
        }).on('error', reject);
      });
    }
    return performance.now() - started;
  } finally {
    server.kill();
    rmSync(target, { recursive: true, force: true });
  }
}
