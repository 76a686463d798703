import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { QueryRunner } from 'typeorm';
import { testConfig } from '../../../src/config';
import { AppError } from '../../../src/core/errors/app-error';
import { PeerError } from '../../../src/core/errors/peer-error';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import type { SyncManifest } from '../../../src/sync/export/export.types';
import { FileTotals, RejectedContent, ServedFile, SyncedFiles } from '../../../src/sync/files/synced-files.port';
import { emptyTableResult, TableResult } from '../../../src/sync/import/import.types';
import { StagingArea } from '../../../src/sync/import/staging';
import { ApplyStep, ApplyStepInput } from '../../../src/sync/pull/apply-step';
import { FetchResult, FetchStep } from '../../../src/sync/pull/fetch-step';
import { PeerConnection, PeerConnector, PeerStream, PeerTarget } from '../../../src/sync/pull/peer.port';
import { ProgressTracker } from '../../../src/sync/pull/progress';
import type { PlannedTable } from '../../../src/sync/pull/progress-model';
import { SyncLogRow, SyncLogs } from '../../../src/sync/pull/sync-logs';
import { SagaJob, SyncSaga } from '../../../src/sync/pull/sync-saga';
import { SyncCompletedEvent, SyncFailedEvent } from '../../../src/sync/pull/sync.events';
import { CHUNK_MEDIA_TYPE, FrameEncryptor } from '../../../src/sync/shared/chunked-cipher';
import { metadataCatalog } from '../../support/metadata-catalog';

/** A peer, scripted: what each call answers. */
interface Script {
  connect?(): Promise<void>;
  manifest?(call: number): unknown;
  page?(route: string, params: URLSearchParams): unknown;
  file?: { content: Buffer; announce?: { sha256: string; size: number }; alter?: (frames: Buffer) => Buffer };
  /** Content per row id (several files); `file` answers for any other row. */
  files?: Map<string, Buffer>;
}

class FakeConnection implements PeerConnection {
  readonly peerProtocolId = 'peer-node';
  readonly channelKey = randomBytes(32);
  manifests = 0;
  constructor(private readonly script: Script) {}

  readonly paths: string[] = [];

  async invoke<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    this.paths.push(path);
    if (path === '/api/sync/manifest') return this.script.manifest!(++this.manifests) as T;
    if (path === '/api/sync/window/close') return { closed: true } as T;
    const url = new URL(path, 'http://peer');
    return this.script.page!(url.pathname.replace('/api/sync/', ''), url.searchParams) as T;
  }

  async stream(path: string): Promise<PeerStream> {
    const rowId = path.split('/').at(-2)!;
    const { content, announce, alter } = this.script.files?.has(rowId) ? { content: this.script.files.get(rowId)!, announce: undefined, alter: undefined } : this.script.file!;
    const sha256 = createHash('sha256').update(content).digest('hex');
    // A dishonest peer frames the content under the hash it announces.
    let body: Readable = Readable.from([content]).pipe(new FrameEncryptor(this.channelKey, announce?.sha256 ?? sha256, 0));
    if (alter) {
      const frames: Buffer[] = [];
      for await (const part of body) frames.push(part as Buffer);
      body = Readable.from([alter(Buffer.concat(frames))]);
    }
    const headers = { 'content-type': CHUNK_MEDIA_TYPE, 'x-file-sha256': announce?.sha256 ?? sha256, 'x-file-size': String(announce?.size ?? content.length) };
    return { status: 200, headers, body: body as unknown as Readable };
  }

  async close(): Promise<void> {}
}

class FakeConnector extends PeerConnector {
  connection?: FakeConnection;
  constructor(private readonly script: Script) {
    super();
  }
  async connect(_peer: PeerTarget): Promise<PeerConnection> {
    await this.script.connect?.();
    this.connection = new FakeConnection(this.script);
    return this.connection;
  }
}

/** The files port over a Map, verifying content like the real store. */
class MemoryFiles extends SyncedFiles {
  readonly stored = new Map<string, Buffer>();
  readonly collected: string[][] = [];
  /** What happened to stored files, in order ("durable <hashes>"), and the apply's start ("apply"). */
  readonly events: string[] = [];
  override async makeDurable(hashes: readonly string[]): Promise<void> {
    this.events.push(`durable ${[...hashes].sort().join(',')}`);
  }
  served(): Promise<ServedFile> {
    throw new Error('not serving');
  }
  placement(): Promise<{ fileName: string; blobPath: string }> {
    throw new Error('not serving');
  }
  openRead(): Promise<Readable> {
    throw new Error('not serving');
  }
  async windowTotals(): Promise<FileTotals> {
    return { count: 0, bytes: 0 };
  }
  async changedTotals(): Promise<FileTotals> {
    return { count: 0, bytes: 0 };
  }
  async referencedHashes(): Promise<string[]> {
    return [];
  }
  async storedHashes(): Promise<string[]> {
    return [...this.stored.keys()];
  }
  async has(sha256: string): Promise<boolean> {
    return this.stored.has(sha256);
  }
  async store(source: Readable, expected: { sha256: string; size: number }): Promise<RejectedContent | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk as Buffer);
    const content = Buffer.concat(chunks);
    const actual = { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
    if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) return actual;
    this.stored.set(actual.sha256, content);
    return undefined;
  }
  locator(sha256: string): string {
    return `memory://${sha256}`;
  }
  /** No row references anything here: every hash given is garbage. */
  async collectGarbage(hashes: Iterable<string>): Promise<void> {
    this.collected.push([...hashes]);
    for (const sha of hashes) this.stored.delete(sha);
  }
}

/** sync_logs in memory: what the saga recorded. */
class MemoryLogs {
  readonly calls: string[] = [];
  failure?: { status: string; code: string };
  completed = false;
  protocol?: string;
  unchanged?: { cursorTo: string | null };
  /** The row is written once the manifest announced work. */
  async begin(_log: SyncLogRow, phase: string, _progress: unknown, measured: { protocol?: string; resumed?: unknown }) {
    this.protocol = measured.protocol;
    if (measured.resumed !== undefined) this.resumed.push(measured.resumed);
    this.calls.push(`begin:${phase}`);
  }
  /** What the job's row said it reused, at each write. */
  resumed: unknown[] = [];
  async completeUnchanged(_log: SyncLogRow, result: { cursorTo: string | null }) {
    this.unchanged = result;
    this.calls.push('completeUnchanged');
  }

  async updateProgress(_id: string, phase: string) {
    this.calls.push(`progress:${phase}`);
  }
  async complete() {
    this.completed = true;
    this.calls.push('complete');
  }
  async fail(_id: string, status: string, code: string) {
    this.failure = { status, code };
    this.calls.push(`fail:${status}`);
  }
  async finishPreview() {
    this.calls.push('finishPreview');
  }
}

/** The apply step without a database: records its input, answers or fails as told. */
class StubApply {
  inputs: ApplyStepInput[] = [];
  failWith?: unknown;
  results: TableResult[] = [];
  fetched?: FetchResult;
  /** The staged page files as the apply saw them. */
  pageFiles: Record<string, string> = {};
  /** No database: nothing is loaded while the fetch runs; the apply sees every staged table. */
  preload(): undefined {
    return undefined;
  }
  async run(input: ApplyStepInput): Promise<TableResult[]> {
    this.inputs.push(input);
    const dir = input.staging.dir;
    // An empty window's staging is never made on disk.
    this.pageFiles = Object.fromEntries((existsSync(dir) ? readdirSync(dir) : []).filter((f) => f.endsWith('.pages')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    if (this.failWith) throw this.failWith;
    for (const result of this.results) input.onTableApplied?.(result);
    if (!input.dryRun) await input.beforeCommit?.({} as QueryRunner, this.results);
    return this.results;
  }
  nothingApplied(): TableResult[] {
    return [];
  }
  stagedTables(): PlannedTable[] {
    return this.results.map((r) => ({ table: r.table, naturalKeys: 0 }));
  }
  summarize(_results: TableResult[], fetched: FetchResult, durationMs: number) {
    this.fetched = fetched;
    return { tables: [], totals: { received: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, conflicts: 0 }, entitiesReceived: { files: fetched.files.length }, files: { referenced: fetched.files.length, downloaded: 0, alreadyPresent: 0, bytesDownloaded: 0 }, durationMs };
  }
}

describe('SyncSaga with a fake peer connector', () => {
  let catalog: SyncCatalog;
  let dataDir: string;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    catalog = await metadataCatalog();
    dataDir = mkdtempSync(join(tmpdir(), 'prism-saga-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const peer: PeerTarget = { registryId: '11111111-1111-4111-8111-111111111111', url: 'http://peer', name: 'peer-node', certificate: '' };
  let jobs = 0;

  function manifestFor(feeds: { route: string; aggregate: string; rows: number }[], extra: Partial<SyncManifest> = {}): SyncManifest {
    return {
      nodeId: 'n',
      protocolNodeId: 'peer-node',
      nodeName: 'peer',
      generatedAt: '2026-01-01T00:00:00.000Z',
      // The peer's clock agrees with this one (ERR_CLOCK_SKEW otherwise).
      serverTime: new Date().toISOString(),
      lastSyncedAt: null,
      protocolVersion: '2',
      schemaVersion: catalog.schemaVersion,
      feeds: feeds.map((f) => ({ ...f, tombstones: 0, bytes: 10 })),
      files: { count: 0, totalBytes: 0 },
      window: { token: 'w1', from: '0', to: '9', nextCursor: 'c2', reset: false, expiresAt: '2026-01-01T00:05:00.000Z' },
      ...extra,
    };
  }

  function setup(script: Script) {
    const config = testConfig({ DATA_DIR: dataDir, SYNC_RETRY_ATTEMPTS: '1', LOG_LEVEL: 'silent' });
    const connector = new FakeConnector(script);
    const files = new MemoryFiles();
    const logs = new MemoryLogs();
    const apply = new StubApply();
    const events: unknown[] = [];
    const fetch = new FetchStep(connector, catalog, config, files);
    const saga = new SyncSaga(fetch, apply as unknown as ApplyStep, logs as unknown as SyncLogs, { publish: (e: unknown) => events.push(e) } as unknown as EventBus);
    const abort = new AbortController();
    const id = `00000000-0000-4000-8000-${String(++jobs).padStart(12, '0')}`;
    const job: SagaJob = {
      log: { id } as SyncLogRow,
      peer,
      kind: 'pull',
      lastApplyXid: '0',
      progress: new ProgressTracker(id, 'pull', peer.registryId),
      signal: abort.signal,
    };
    const staging = join(fetch.stagingRoot, id);
    return { saga, job, abort, connector, files, logs, apply, events, staging };
  }

  async function fails(run: Promise<unknown>): Promise<AppError> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }

  it('an unreachable peer fails the job before anything is staged or applied', async () => {
    const t = setup({ connect: () => Promise.reject(new PeerError(0, 'ERR_PEER_UNREACHABLE', 'connect ECONNREFUSED', true)) });
    const error = await fails(t.saga.run(t.job));
    expect(error).toMatchObject({ status: 502, code: 'ERR_PEER_UNREACHABLE' });
    expect(t.logs.failure).toEqual({ status: 'failed', code: 'ERR_PEER_UNREACHABLE' });
    expect(t.job.progress.snapshot()).toMatchObject({ state: 'failed', error: { code: 'ERR_PEER_UNREACHABLE' } });
    expect(t.apply.inputs).toHaveLength(0);
    expect(existsSync(t.staging)).toBe(false);
    expect(t.events).toEqual([expect.any(SyncFailedEvent)]);
    expect(t.events[0]).toMatchObject({ jobId: t.job.log.id, code: 'ERR_PEER_UNREACHABLE', kind: 'pull' });
  });

  it('a peer that refuses this node says that pulling needs a ReadWrite grant', async () => {
    const t = setup({ connect: () => Promise.reject(new PeerError(403, 'ERR_NODE_NOT_AUTHORIZED', 'the peer has not authorized this node', false)) });
    expect(await fails(t.saga.run(t.job))).toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_CAPABILITY' });
  });

  it('a peer without the change feed is pulled with the reference protocol (a manifest without generatedAt is malformed); a peer on another schema is refused before any page', async () => {
    const reference = setup({ manifest: () => ({ nodeId: 'n', snomed: { count: 1 } }) });
    expect(await fails(reference.saga.run(reference.job))).toMatchObject({ status: 502, code: 'ERR_MALFORMED_PAGE' });
    const older = setup({ manifest: () => manifestFor([], { schemaVersion: 'Baseline0' }), page: () => Promise.reject(new Error('no page expected')) });
    const error = await fails(older.saga.run(older.job));
    expect(error).toMatchObject({ code: 'ERR_SCHEMA_MISMATCH', details: { peerSchemaVersion: 'Baseline0', localSchemaVersion: catalog.schemaVersion } });
    expect(older.logs.calls).toEqual(['fail:failed']);
  });

  it('a malformed page fails the pull with ERR_MALFORMED_PAGE and leaves no staging', async () => {
    const t = setup({
      manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 1 }]),
      page: () => ({ data: [{ researcherId: 'r' }], deleted: [], table: 'volunteer', next: null }),
    });
    expect(await fails(t.saga.run(t.job))).toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
    expect(existsSync(t.staging)).toBe(false);
    expect(t.logs.calls).toEqual(['begin:fetching', 'fail:failed']);
  });

  it('a window the peer released is fetched again from a fresh manifest, once', async () => {
    let pages = 0;
    const t = setup({
      manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 1 }]),
      page: () => (++pages === 1 ? Promise.reject(new PeerError(410, 'ERR_WINDOW_EXPIRED', 'gone', false)) : { data: [], deleted: [], table: null, next: null }),
    });
    const outcome = await t.saga.run(t.job);
    expect(t.connector.connection!.manifests).toBe(1);
    expect(pages).toBe(2);
    expect(outcome.manifest.window?.nextCursor).toBe('c2');
    expect(t.logs.completed).toBe(true);
    expect(t.events).toEqual([expect.any(SyncCompletedEvent)]);
    expect(existsSync(t.staging)).toBe(false);

    const twice = setup({
      manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 1 }]),
      page: () => Promise.reject(new PeerError(410, 'ERR_WINDOW_EXPIRED', 'gone', false)),
    });
    expect(await fails(twice.saga.run(twice.job))).toMatchObject({ status: 502, code: 'ERR_WINDOW_EXPIRED' });
  });

  it('a cancelled job says so, whatever the last call failed with', async () => {
    const t = setup({ manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 1 }]), page: () => ({ data: [], deleted: [], table: null, next: 'more' }) });
    t.abort.abort();
    expect(await fails(t.saga.run(t.job))).toMatchObject({ status: 409, code: 'ERR_SYNC_CANCELLED' });
    expect(t.logs.failure).toEqual({ status: 'cancelled', code: 'ERR_SYNC_CANCELLED' });
  });

  it('content that does not hash as announced is refused and nothing is stored', async () => {
    const content = Buffer.from('t,v\n0,1\n');
    const sha = createHash('sha256').update('something else').digest('hex');
    const files = catalog.files()!;
    const row = { [files.key.property]: '22222222-2222-4222-8222-222222222222', [files.hash.property]: sha, [files.size.property]: String(content.length) };
    const t = setup({
      manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: 1 }]),
      page: () => ({ data: [row], deleted: [], table: files.spec.table, next: null }),
      file: { content, announce: { sha256: sha, size: content.length } },
    });
    expect(await fails(t.saga.run(t.job))).toMatchObject({ status: 502, code: 'ERR_FILE_CHECKSUM_MISMATCH' });
    expect(t.files.stored.size).toBe(0);
  });

  it('a file stream tampered with or cut short fails the pull; nothing is stored or left in staging', async () => {
    const content = randomBytes(50_000);
    const sha = createHash('sha256').update(content).digest('hex');
    const files = catalog.files()!;
    const row = { [files.key.property]: '44444444-4444-4444-8444-444444444444', [files.hash.property]: sha, [files.size.property]: String(content.length) };
    const altered = (frames: Buffer) => {
      const copy = Buffer.from(frames);
      copy[1000] ^= 1;
      return copy;
    };
    for (const alter of [altered, (frames: Buffer) => frames.subarray(0, frames.length - 32)]) {
      const t = setup({
        manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: 1 }]),
        page: () => ({ data: [row], deleted: [], table: files.spec.table, next: null }),
        file: { content, alter },
      });
      expect(await fails(t.saga.run(t.job))).toMatchObject({ status: 502, code: 'ERR_FILE_TRANSFER' });
      expect(t.files.stored.size).toBe(0);
      expect(t.apply.inputs).toHaveLength(0);
      expect(existsSync(t.staging)).toBe(false);
      // A retryable failure may keep the staging for a resume, but no part of a refused stream.
      const kept = join(dataDir, 'staging', `kept-${peer.registryId}`);
      const parts = existsSync(kept) ? readdirSync(kept, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part')) : [];
      expect(parts).toEqual([]);
      rmSync(kept, { recursive: true, force: true });
    }
  });

  it('an apply that fails rolls back, and the files the pull stored are collected', async () => {
    const content = Buffer.from('t,v\n0,1\n1,2\n');
    const sha = createHash('sha256').update(content).digest('hex');
    const files = catalog.files()!;
    const row = { [files.key.property]: '33333333-3333-4333-8333-333333333333', [files.hash.property]: sha, [files.size.property]: String(content.length) };
    const t = setup({
      manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: 1 }], { files: { count: 1, totalBytes: content.length } }),
      page: () => ({ data: [row], deleted: [], table: files.spec.table, next: null }),
      file: { content },
    });
    t.apply.failWith = Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503', detail: 'Key (record_id)=(x) is not present' });
    const error = await fails(t.saga.run(t.job));
    expect(error).toMatchObject({ status: 502, code: 'ERR_APPLY_FAILED' });
    expect(t.logs.failure).toEqual({ status: 'rolled_back', code: 'ERR_APPLY_FAILED' });
    expect(t.apply.inputs[0].fileLocators.get(sha)).toBe(`memory://${sha}`);
    expect(t.files.collected).toEqual([[sha]]);
    expect(existsSync(t.staging)).toBe(false);
  });

  it('counts every byte of files downloaded side by side', async () => {
    const files = catalog.files()!;
    const contents = new Map<string, Buffer>();
    for (let i = 1; i <= 8; i++) contents.set(`44444444-4444-4444-8444-${String(i).padStart(12, '0')}`, randomBytes(1000 * i + 7));
    const rows = [...contents].map(([id, content]) => ({
      [files.key.property]: id,
      [files.hash.property]: createHash('sha256').update(content).digest('hex'),
      [files.size.property]: String(content.length),
    }));
    const total = [...contents.values()].reduce((n, c) => n + c.length, 0);
    const t = setup({
      manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: rows.length }], { files: { count: rows.length, totalBytes: total } }),
      page: () => ({ data: rows, deleted: [], table: files.spec.table, next: null }),
      files: contents,
    });
    const apply = t.apply.run.bind(t.apply);
    jest.spyOn(t.apply, 'run').mockImplementation((input) => (t.files.events.push('apply'), apply(input)));
    await t.saga.run(t.job);
    // One flush for the batch (all small files), before the apply.
    expect(t.files.events).toEqual([`durable ${rows.map((r) => r[files.hash.property]).sort().join(',')}`, 'apply']);
    expect(t.apply.fetched).toMatchObject({ storedFiles: expect.any(Array), bytesDownloaded: total });
    expect(t.apply.fetched!.storedFiles).toHaveLength(rows.length);
    expect(t.job.progress.snapshot().files).toMatchObject({ done: rows.length, total: rows.length, bytesDone: total, bytesTotal: total });
  });

  it('the flush before the apply covers the files found present too (one may be left unflushed by a failed attempt)', async () => {
    const files = catalog.files()!;
    const present = randomBytes(300);
    const missing = randomBytes(500);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const ids = ['66666666-6666-4666-8666-000000000001', '66666666-6666-4666-8666-000000000002'];
    const rows = [present, missing].map((content, i) => ({ [files.key.property]: ids[i], [files.hash.property]: sha(content), [files.size.property]: String(content.length) }));
    const t = setup({
      manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: 2 }], { files: { count: 2, totalBytes: 800 } }),
      page: () => ({ data: rows, deleted: [], table: files.spec.table, next: null }),
      files: new Map([[ids[1], missing]]),
    });
    t.files.stored.set(sha(present), present);
    const apply = t.apply.run.bind(t.apply);
    jest.spyOn(t.apply, 'run').mockImplementation((input) => (t.files.events.push('apply'), apply(input)));
    await t.saga.run(t.job);
    expect(t.apply.fetched!.storedFiles).toEqual([sha(missing)]);
    expect(t.files.events).toEqual([`durable ${[sha(present), sha(missing)].sort().join(',')}`, 'apply']);
  });

  it('the applied count reaches the manifest total, deletions included', async () => {
    const t = setup({
      manifest: () => ({ ...manifestFor([]), feeds: [{ route: 'researchers', aggregate: 'researchers', rows: 2, tombstones: 1, bytes: 10 }] }),
      page: () => ({ data: [], deleted: [], table: null, next: null }),
    });
    t.apply.results = [{ ...emptyTableResult('researcher'), received: 2, inserted: 2, tombstonesReceived: 1, deleted: 1 }];
    await t.saga.run(t.job);
    expect(t.job.progress.snapshot()).toMatchObject({ state: 'completed', rows: { total: 3 }, applied: { done: 3, total: 3 } });
  });

  it('an empty window (nothing changed at the peer): one request, no apply, one write with the next cursor; a full resync still applies', async () => {
    const empty = () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 0 }], {
      window: { token: 'w0', from: '0', to: '9', nextCursor: 'c9', reset: false, expiresAt: '2026-01-01T00:00:00.000Z', empty: true },
    });
    const t = setup({ manifest: empty, page: () => Promise.reject(new Error('no page expected')) });
    const made = jest.spyOn(StagingArea, 'create');
    const outcome = await t.saga.run(t.job).finally(() => made.mockRestore());
    // Nothing to stage: no staging directory is made (nor removed).
    expect(made).not.toHaveBeenCalled();
    expect(t.connector.connection!.paths).toEqual(['/api/sync/manifest']);
    expect(t.apply.inputs).toHaveLength(0);
    expect(t.logs.calls).toEqual(['completeUnchanged']);
    expect(t.logs.unchanged).toMatchObject({ cursorTo: 'c9' });
    expect(outcome.summary.totals.received).toBe(0);
    expect(t.job.progress.snapshot()).toMatchObject({ state: 'completed', percent: 100 });
    expect(t.events).toEqual([expect.any(SyncCompletedEvent)]);
    expect(existsSync(t.staging)).toBe(false);

    const resync = setup({ manifest: empty, page: () => Promise.reject(new Error('no page expected')) });
    resync.job.fullResync = true;
    await resync.saga.run(resync.job);
    expect(resync.apply.inputs).toHaveLength(1);
    expect(resync.logs.calls).toEqual(['begin:fetching', 'progress:applying', 'complete']);
  });

  it('a pull that fails while fetching files leaves none of the files it stored', async () => {
    const files = catalog.files()!;
    const good = randomBytes(5000);
    const contents = new Map<string, Buffer>([['55555555-5555-4555-8555-000000000001', good]]);
    const damaged = { id: '55555555-5555-4555-8555-000000000002', content: randomBytes(20_000) };
    const rows = [
      { [files.key.property]: '55555555-5555-4555-8555-000000000001', [files.hash.property]: createHash('sha256').update(good).digest('hex'), [files.size.property]: String(good.length) },
      // Announced with a hash its content does not have: refused after the first file is stored.
      { [files.key.property]: damaged.id, [files.hash.property]: createHash('sha256').update('other').digest('hex'), [files.size.property]: String(damaged.content.length) },
    ];
    const t = setup({
      manifest: () => manifestFor([{ route: 'sessions', aggregate: 'sessions', rows: 2 }], { files: { count: 2, totalBytes: good.length + damaged.content.length } }),
      page: () => ({ data: rows, deleted: [], table: files.spec.table, next: null }),
      files: contents,
      file: { content: damaged.content, announce: { sha256: rows[1][files.hash.property], size: damaged.content.length } },
    });
    expect(await fails(t.saga.run(t.job))).toMatchObject({ code: 'ERR_FILE_CHECKSUM_MISMATCH' });
    expect(t.files.stored.size).toBe(0);
    expect(existsSync(t.staging)).toBe(false);
  });

  describe('resumable pulls (issue 19 item 5)', () => {
    const later = () => ({ window: { token: 'w1', from: '0', to: '9', nextCursor: 'c2', reset: false, expiresAt: new Date(Date.now() + 300_000).toISOString() } });
    const keptDir = () => join(dataDir, 'staging', `kept-${peer.registryId}`);
    afterEach(() => rmSync(keptDir(), { recursive: true, force: true }));

    /** researchers in three pages of one row; `cut` fails every page from the nth on as a network cut. */
    function paged(requests: string[], cut?: number): Script {
      return {
        manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 3 }], later()),
        page: (_route, params) => {
          const after = params.get('after') ?? 'p1';
          requests.push(after);
          if (cut !== undefined && requests.length >= cut) return Promise.reject(new PeerError(0, 'ERR_PEER_UNREACHABLE', 'socket hang up', true));
          const n = Number(after.slice(1));
          return { data: [{ researcherId: `r${n}` }], deleted: [], table: 'researcher', next: n < 3 ? `p${n + 1}` : null };
        },
      };
    }

    it('a pull cut mid-fetch keeps its staging; the next pull continues the window from the last staged page', async () => {
      const first: string[] = [];
      const cut = setup(paged(first, 3));
      expect(await fails(cut.saga.run(cut.job))).toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
      expect(existsSync(cut.staging)).toBe(false);
      expect(existsSync(join(keptDir(), 'researcher.pages'))).toBe(true);

      const requests: string[] = [];
      const retry = setup(paged(requests));
      await retry.saga.run(retry.job);
      // No new manifest (it would replace the window at the source); only the page not yet staged.
      expect(retry.connector.connection!.manifests).toBe(0);
      expect(requests).toEqual(['p3']);
      expect(retry.logs.resumed).toEqual([expect.objectContaining({ fromJobId: cut.job.log.id, pages: 2, rows: 2, files: 0 })]);
      expect(retry.job.progress.snapshot()).toMatchObject({ resumed: { pages: 2, rows: 2 }, rows: { done: 3, total: 3 } });
      expect(retry.apply.inputs[0].staging.hasPages('researcher')).toBe(true);
      expect(retry.apply.fetched!.resumed).toMatchObject({ pages: 2 });
      expect(existsSync(keptDir())).toBe(false);
    });

    it('a page half-written when the node was killed is cut back: the resume refetches only that page', async () => {
      const first: string[] = [];
      const cut = setup(paged(first, 3));
      await fails(cut.saga.run(cut.job));
      // The kill lands after a page was appended but before the ledger recorded it.
      appendFileSync(join(keptDir(), 'researcher.pages'), '[{"researcherId":"half');
      const requests: string[] = [];
      const retry = setup(paged(requests));
      await retry.saga.run(retry.job);
      expect(requests).toEqual(['p3']);
      const staged = retry.apply.pageFiles['researcher.pages'];
      expect(staged.trim().split('\n')).toEqual(['[{"researcherId":"r1"}]', '[{"researcherId":"r2"}]', '[{"researcherId":"r3"}]']);
    });

    it('a kept window the source no longer holds is dropped and the pull starts afresh; another cursor never continues it', async () => {
      await fails(setup(paged([], 2)).saga.run(setup(paged([], 2)).job)).catch(() => undefined);
      const gone: string[] = [];
      const script = paged(gone);
      const page = script.page!;
      let first = true;
      script.page = (route, params) => {
        if (first && params.get('after')) {
          first = false;
          return Promise.reject(new PeerError(410, 'ERR_WINDOW_EXPIRED', 'gone', false));
        }
        return page(route, params);
      };
      const retry = setup(script);
      await retry.saga.run(retry.job);
      expect(retry.connector.connection!.manifests).toBe(1);
      expect(retry.logs.resumed).toEqual([expect.objectContaining({ pages: 1 }), null]);
      expect(gone).toEqual(['p1', 'p2', 'p3']);

      await fails(setup(paged([], 2)).saga.run(setup(paged([], 2)).job)).catch(() => undefined);
      const moved = setup(paged([]));
      moved.job.cursor = 'another-cursor';
      await moved.saga.run(moved.job);
      expect(moved.logs.resumed).toEqual([]);
      expect(moved.connector.connection!.manifests).toBe(1);
    });

    it('a failure that cannot be resumed (malformed page) keeps nothing', async () => {
      const t = setup({
        manifest: () => manifestFor([{ route: 'researchers', aggregate: 'researchers', rows: 2 }], later()),
        page: (_r, params) => (params.get('after') ? { data: 'x' } : { data: [{ researcherId: 'r1' }], deleted: [], table: 'researcher', next: 'p2' }),
      });
      expect(await fails(t.saga.run(t.job))).toMatchObject({ code: 'ERR_MALFORMED_PAGE' });
      expect(existsSync(keptDir())).toBe(false);
    });
  });
});
