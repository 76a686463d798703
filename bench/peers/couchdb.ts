import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { TableModel } from '../../src/core/sync-kernel/table-model';
import { q } from '../../src/core/sync-kernel/sql';
import { median } from '../format';
import { changedRowsWhere, changeRows } from '../generate';
import { http, RssMonitor } from '../nodes';
import { CaseResult } from '../report';
import { interruptCleanups } from '../pg';
import { PeerContext, PeerOutcome } from './peer-context';

/**
 * The peer an offline-first, multi-node user would pick: CouchDB-protocol replication, between two
 * PouchDB servers (express-pouchdb over PouchDB's LevelDB adapter, each its own OS process) over
 * loopback HTTP. The same rows become documents (`<table>:<key>`, the row's columns as fields) in
 * the source server; the target server pulls them with the CouchDB `/_replicate` endpoint
 * (_changes, _revs_diff, _bulk_get, _bulk_docs, checkpoints), PouchDB's default batch settings.
 * Timed: the full replication into an empty database, a no-op replication, and the bench's 1 %
 * change (the same rows, rewritten at the source first, untimed).
 */

const DB = 'bench';
const BATCH = 1000;

/** One PouchDB server: express-pouchdb on LevelDB in `argv[1]`, port reported over IPC. */
const SERVER_SCRIPT = `
const http = require('node:http'); const fs = require('node:fs');
const PouchDB = require('pouchdb'); const expressPouchDB = require('express-pouchdb');
const dir = process.argv[1];
fs.mkdirSync(dir, { recursive: true });
process.chdir(dir);
const app = expressPouchDB(PouchDB, { mode: 'minimumForPouchDB', overrideMode: { include: ['routes/replicate'] }, logPath: dir + '/log.txt', configPath: dir + '/config.json' });
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

const REPO_ROOT = join(__dirname, '..', '..', '..');

interface PouchServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Why the peer cannot run here (its packages are devDependencies), or undefined. */
function missingPackages(): string | undefined {
  for (const name of ['pouchdb', 'express-pouchdb']) {
    try {
      require.resolve(name, { paths: [REPO_ROOT] });
    } catch {
      return `package ${name} is not installed (a devDependency: run npm install)`;
    }
  }
  return undefined;
}

async function startPouchServer(dir: string): Promise<PouchServer> {
  const child = spawn(process.execPath, ['-e', SERVER_SCRIPT, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`PouchDB server exited (${code}): ${stderr}`)));
  });
  const stop = async () => {
    interruptCleanups.delete(stop);
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  interruptCleanups.add(stop);
  return { url: `http://127.0.0.1:${port}`, process: child, stop };
}

/** A CouchDB API call; an error status throws. `T` is the answer's shape (CouchDB's documented JSON). */
async function couch<T = Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<{ body: T; ms: number }> {
  const res = await http(method, url, body);
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return { body: res.body as T, ms: res.ms };
}

export async function couchReplication(ctx: PeerContext, options: { noop: number; maxRows: number }): Promise<PeerOutcome> {
  const missing = missingPackages();
  if (missing) return { results: [], note: `CouchDB-protocol replication skipped: ${missing}` };
  if (ctx.rows > options.maxRows) {
    return { results: [], note: `CouchDB-protocol replication skipped at ${ctx.size}: more than --couch-max-rows ${options.maxRows} rows (PouchDB replicated ~2–2.6K docs/s here at 100K: hours at this size)` };
  }
  const work = mkdtempSync(join(tmpdir(), 'prism-bench-couch-'));
  const servers: PouchServer[] = [];
  try {
    const source = await startPouchServer(join(work, 'source'));
    servers.push(source);
    const target = await startPouchServer(join(work, 'target'));
    servers.push(target);
    await couch('PUT', `${source.url}/${DB}`);
    const started = performance.now();
    const docs = await loadDocuments(ctx, source.url);
    ctx.log(`  CouchDB: ${docs} documents loaded into the source PouchDB server in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const replicate = () => couch('POST', `${target.url}/_replicate`, { source: `${source.url}/${DB}`, target: DB });
    const measured = async (fn: () => Promise<{ ms: number; written: number }>) => {
      const monitor = new RssMonitor([target.process.pid!, source.process.pid!]);
      monitor.start();
      try {
        const value = await fn();
        return { ...value, rss: monitor.stop() };
      } catch (error) {
        monitor.stop();
        throw error;
      }
    };
    const once = async () => {
      const res = await replicate();
      if (res.body.ok !== true) throw new Error(`CouchDB replication failed: ${JSON.stringify(res.body).slice(0, 500)}`);
      return { ms: res.ms, written: Number(res.body.docs_written) };
    };
    const note = 'RSS: PouchDB target / source';

    const full: CaseResult = { size: ctx.size, case: 'CouchDB replication: full', times: [], rows: docs, note };
    for (let rep = 0; rep < ctx.reps; rep++) {
      await http('DELETE', `${target.url}/${DB}`);
      await couch('PUT', `${target.url}/${DB}`);
      const { ms, written, rss } = await measured(once);
      if (written !== docs) throw new Error(`CouchDB replication wrote ${written} of ${docs} documents`);
      full.times.push(ms);
      [full.rssRequesterMb, full.rssSourceMb] = [Math.max(full.rssRequesterMb ?? 0, rss[0]), Math.max(full.rssSourceMb ?? 0, rss[1])];
      ctx.log(`  CouchDB replication full rep ${rep + 1}: ${(ms / 1000).toFixed(2)} s (${Math.round(docs / (ms / 1000))} docs/s)`);
    }
    const targetInfo = await couch('GET', `${target.url}/${DB}`);
    if (Number(targetInfo.body.doc_count) !== docs) throw new Error(`CouchDB target holds ${String(targetInfo.body.doc_count)} of ${docs} documents`);

    const noop: CaseResult = { size: ctx.size, case: 'CouchDB replication: no-op', times: [], note };
    const noopRun = await measured(async () => {
      for (let i = 0; i < options.noop; i++) {
        const { ms, written } = await once();
        if (written !== 0) throw new Error(`CouchDB no-op replication wrote ${written} documents`);
        noop.times.push(ms);
      }
      return { ms: 0, written: 0 };
    });
    [noop.rssRequesterMb, noop.rssSourceMb] = noopRun.rss;
    ctx.log(`  CouchDB no-op replication: median ${median(noop.times).toFixed(1)} ms over ${options.noop}`);

    const change: CaseResult = { size: ctx.size, case: 'CouchDB replication: 1% change', times: [], note };
    for (let rep = 0; rep < ctx.reps; rep++) {
      const changed = await changeDocuments(ctx, source.url, rep + 1);
      const { ms, written, rss } = await measured(once);
      if (written !== changed) throw new Error(`CouchDB 1% replication wrote ${written} of ${changed} changed documents`);
      change.times.push(ms);
      change.rows = changed;
      [change.rssRequesterMb, change.rssSourceMb] = [Math.max(change.rssRequesterMb ?? 0, rss[0]), Math.max(change.rssSourceMb ?? 0, rss[1])];
      ctx.log(`  CouchDB replication 1% change (${changed} docs) rep ${rep + 1}: ${(ms / 1000).toFixed(2)} s`);
    }
    return { results: [full, noop, change] };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

const docId = (model: TableModel, row: Record<string, unknown>) => `${model.table}:${model.key.map((k) => String(row[k])).join('|')}`;

/**
 * Rows of the source database as JSON, one per line (COPY text output: only backslashes are
 * escaped, as JSON has no raw control characters), streamed with back-pressure.
 */
async function* sourceRows(client: Client, model: TableModel, where = 'true'): AsyncGenerator<Record<string, unknown>> {
  const stream = client.query(copyTo(`COPY (SELECT row_to_json(t) FROM ${q(model.table)} t WHERE ${where}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) yield JSON.parse(line.replace(/\\\\/g, '\\')) as Record<string, unknown>;
  }
}

async function bulk(url: string, docs: Record<string, unknown>[]): Promise<void> {
  const res = await couch<{ ok?: boolean; error?: string }[]>('POST', `${url}/${DB}/_bulk_docs`, { docs });
  const failed = res.body.filter((r) => r.ok !== true);
  if (failed.length) throw new Error(`_bulk_docs refused ${failed.length} documents: ${JSON.stringify(failed[0])}`);
}

/** Every row of every synced table as a document in the source server; returns the count. */
async function loadDocuments(ctx: PeerContext, url: string): Promise<number> {
  let count = 0;
  let batch: Record<string, unknown>[] = [];
  for (const model of ctx.catalog.tables()) {
    for await (const row of sourceRows(ctx.sourceDb, model)) {
      batch.push({ ...row, _id: docId(model, row), type: model.table });
      if (batch.length >= BATCH) {
        await bulk(url, batch);
        count += batch.length;
        batch = [];
      }
    }
  }
  if (batch.length) await bulk(url, batch);
  return count + batch.length;
}

/** The bench's 1 % change of `round`, made in the source database, then written to the same documents. */
async function changeDocuments(ctx: PeerContext, url: string, round: number): Promise<number> {
  const changed = await changeRows(ctx.sourceDb, ctx.catalog, round);
  let written = 0;
  for (const model of ctx.catalog.tables()) {
    const rows: Record<string, unknown>[] = [];
    for await (const row of sourceRows(ctx.sourceDb, model, changedRowsWhere(model, round))) rows.push(row);
    for (let i = 0; i < rows.length; i += BATCH) {
      const slice = rows.slice(i, i + BATCH);
      const ids = slice.map((row) => docId(model, row));
      const revs = (await couch<{ rows: { value?: { rev: string } }[] }>('POST', `${url}/${DB}/_all_docs`, { keys: ids })).body.rows;
      await bulk(url, slice.map((row, j) => ({ ...row, _id: ids[j], _rev: revs[j].value?.rev, type: model.table })));
      written += slice.length;
    }
  }
  if (written !== changed) throw new Error(`CouchDB change: ${written} documents written for ${changed} changed rows`);
  return changed;
}
