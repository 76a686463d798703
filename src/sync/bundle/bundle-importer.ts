import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../core/errors/app-error';
import { localNodeUuid } from '../../core/local-node';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { LocalIdentity } from '../../node-trust/identity/local-identity';
import { feedTables, SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { VerifiedFile } from '../files/verified-file';
import { StagingArea } from '../import/staging';
import { FetchJob, FetchResult, FetchSource, FetchStep } from '../pull/fetch-step';
import { SyncJobs } from '../pull/sync-jobs.service';
import { SyncLogs } from '../pull/sync-logs';
import { collectFileRefs, validatePage } from '../pull/page-checks';
import { SYNC_PROTOCOL_VERSION } from '../shared/protocol';
import { cursorSnapshot, decodeCursor } from '../shared/tokens';
import { EMPTY_SNAPSHOT } from '../../core/sync-kernel/sql';
import type { BundleImportResult } from '../../../client/src/types';
import { bundleError, BundleManifest, RecordReader } from './bundle-format';
import { BundlePeer, BundlePeers } from './bundle-peers';
import { BundlePositions } from './bundle-positions';
import { BundleHead, openContent, readBundleHead, verifyCiphertext } from './bundle-reader';
import { snapshotCovers } from './snapshot-order';

/** A bundle whose signature, recipient, sender, versions and ciphertext hash are verified. */
export interface VerifiedBundle {
  path: string;
  head: BundleHead;
  sender: BundlePeer;
  key: Buffer;
}

/** What an import answers (wire contract in client/). */
export type BundleImportOutcome = BundleImportResult;

/**
 * Where a bundle stands against the position this node applied from its exporter (the cursor of
 * the last completed pull or bundle from it): already applied (the same end), stale (ends at or
 * before the applied position), a gap (starts after it: it would skip changes), or applicable.
 */
export function checkBundlePosition(window: BundleManifest['window'], applied: string | null): void {
  const windowDb = decodeCursor(window.nextCursor).db;
  const current = applied ? decodeCursor(applied) : undefined;
  // A position in another database of the exporter (restored, replaced) says nothing about this window.
  const position = current && current.db === windowDb ? cursorSnapshot(current) : EMPTY_SNAPSHOT;
  if (applied !== null && applied === window.nextCursor) {
    throw new AppError(409, 'ERR_BUNDLE_ALREADY_APPLIED', 'this bundle was already applied here: nothing changed', { details: { position: applied } });
  }
  if (position !== EMPTY_SNAPSHOT && snapshotCovers(position, window.to)) {
    throw new AppError(409, 'ERR_BUNDLE_STALE', 'this bundle ends where this node already is (a newer pull or bundle from that node was applied): nothing changed', {
      details: { position: applied },
    });
  }
  if (!snapshotCovers(position, window.from)) {
    throw new AppError(409, 'ERR_BUNDLE_GAP', "this bundle starts after this node's position for that node: applying it would skip changes. Ask the exporter for a bundle from the position this node acknowledges", {
      details: { position: applied },
    });
  }
}

/** The manifest a pull would have had, for the saga (sync log, summary) and the progress. */
function syncManifestOf(manifest: BundleManifest, sender: BundlePeer): SyncManifest {
  const aggregates: NonNullable<SyncManifest['aggregates']> = {};
  for (const f of manifest.counts.feeds) {
    const total = (aggregates[f.aggregate] ??= { rows: 0, tombstones: 0, bytes: 0 });
    total.rows += f.rows;
    total.tombstones += f.tombstones;
  }
  return {
    nodeId: localNodeUuid(manifest.exporter.nodeId),
    protocolNodeId: sender.node.protocolNodeId ?? manifest.exporter.nodeId,
    nodeName: manifest.exporter.nodeName,
    generatedAt: manifest.createdAt,
    serverTime: manifest.createdAt,
    lastSyncedAt: null,
    protocolVersion: manifest.protocolVersion,
    schemaVersion: manifest.schemaVersion,
    feeds: manifest.counts.feeds.map((f) => ({ ...f, bytes: 0 })),
    aggregates,
    files: { count: manifest.counts.files, totalBytes: manifest.counts.fileBytes },
    window: { token: '', from: manifest.window.from, to: manifest.window.to, nextCursor: manifest.window.nextCursor, reset: manifest.window.reset, expiresAt: manifest.createdAt },
  };
}

/**
 * Importer side of offline bundles. `verify` checks everything that needs no decryption, in this
 * order: the head's shape, the recipient (this node), the sender (known by its certificate,
 * Authorized with a pull grant) and its signature with the registry's certificate, the protocol
 * and schema versions, the ciphertext's SHA-256 and size. `import` then runs the bundle as a sync
 * job: the same lock, sync log, progress and ApplyStep as a pull — one transaction, newer wins,
 * the bundle's end cursor recorded as this node's position for the exporter.
 */
@Injectable()
export class BundleImporter {
  constructor(
    private readonly peers: BundlePeers,
    private readonly positions: BundlePositions,
    private readonly identity: LocalIdentity,
    private readonly catalog: SyncCatalog,
    private readonly files: SyncedFiles,
    private readonly jobs: SyncJobs,
    private readonly logs: SyncLogs,
    private readonly fetch: FetchStep,
  ) {}

  async verify(path: string): Promise<VerifiedBundle> {
    const head = await readBundleHead(path);
    const { manifest } = head;
    this.peers.assertAddressedHere(manifest.recipient.fingerprint);
    const sender = await this.peers.signer(manifest.exporter.fingerprint, head.manifestText, head.signature);
    if (sender.node.protocolNodeId && sender.node.protocolNodeId !== manifest.exporter.nodeId) {
      throw new AppError(422, 'ERR_BUNDLE_SIGNATURE_INVALID', `the bundle is signed by "${sender.node.nodeName}" but names node ${manifest.exporter.nodeId} as its exporter`);
    }
    if (manifest.protocolVersion.split('.')[0] !== SYNC_PROTOCOL_VERSION) {
      throw new AppError(409, 'ERR_PROTOCOL_MISMATCH', `the bundle speaks sync protocol ${manifest.protocolVersion}, this node ${SYNC_PROTOCOL_VERSION}`, {
        details: { serverProtocol: SYNC_PROTOCOL_VERSION, clientProtocol: manifest.protocolVersion },
      });
    }
    if (manifest.schemaVersion !== this.catalog.schemaVersion) {
      throw new AppError(409, 'ERR_SCHEMA_MISMATCH', `the bundle has schema ${manifest.schemaVersion}, this node ${this.catalog.schemaVersion}; upgrade the older node first`, {
        details: { peerSchemaVersion: manifest.schemaVersion, localSchemaVersion: this.catalog.schemaVersion },
      });
    }
    await verifyCiphertext(path, head);
    let key: Buffer;
    try {
      key = this.identity.unwrapKey(Buffer.from(manifest.cipher.wrappedKey, 'base64'));
    } catch (error) {
      throw bundleError('ERR_BUNDLE_TAMPERED', "the bundle's key does not open with this node's key", error);
    }
    if (key.length !== 32) throw bundleError('ERR_BUNDLE_TAMPERED', "the bundle's key is not an AES-256 key");
    return { path, head, sender, key };
  }

  async import(path: string, options: { preview: boolean; requestedBy: string | null }): Promise<BundleImportOutcome> {
    const bundle = await this.verify(path);
    const remoteNodeId = bundle.sender.node.id;
    // Checked here so a replayed bundle changes nothing (no job, no log row); again under the sync lock.
    checkBundlePosition(bundle.head.manifest.window, (await this.logs.lastCompletedPull(remoteNodeId))?.cursorTo ?? null);
    const peer = { registryId: remoteNodeId, url: bundle.sender.node.nodeUrl, name: bundle.sender.node.nodeName, certificate: bundle.sender.node.certificate };
    const jobId = await this.jobs.start({
      remoteNodeId,
      kind: options.preview ? 'preview' : 'pull',
      requestedBy: options.requestedBy,
      // A full bundle is a full resync: local rows of the exporter's origin it no longer has go.
      fullResync: bundle.head.manifest.window.full,
      bundle: { peer, source: new BundleSource(bundle, this.catalog, this.files, this.fetch) },
    });
    const outcome = await this.jobs.wait(jobId);
    const { wrappedKey: _key, ...cipher } = bundle.head.manifest.cipher;
    return {
      jobId,
      bundleId: bundle.head.manifest.bundleId,
      preview: options.preview,
      remoteNodeId,
      manifest: { ...bundle.head.manifest, cipher },
      summary: outcome.summary,
      ack: options.preview ? null : ((await this.positions.acknowledgementFor(remoteNodeId)) ?? null),
    };
  }
}

type StagedFiles = Pick<FetchResult, 'storedFiles' | 'presentFiles' | 'filesToDownload' | 'bytesToDownload' | 'bytesDownloaded'>;

/**
 * Stages a verified bundle's content for the ApplyStep, as a pull's fetch stages a window: pages
 * per table, tombstones, and the files (verified by SHA-256 and size into the content store; a
 * preview only checks and counts them). On failure what it stored is collected and its staging goes.
 */
export class BundleSource implements FetchSource {
  constructor(
    private readonly bundle: VerifiedBundle,
    private readonly catalog: SyncCatalog,
    private readonly store: SyncedFiles,
    private readonly fetch: Pick<FetchStep, 'stagingRoot' | 'discard'>,
  ) {}

  async run(job: FetchJob): Promise<FetchResult> {
    const { manifest } = this.bundle.head;
    checkBundlePosition(manifest.window, job.cursor ?? null);
    const syncManifest = syncManifestOf(manifest, this.bundle.sender);
    job.progress.phase('fetching');
    job.progress.totals({
      feeds: manifest.counts.feeds.map((f) => ({ route: f.route, rows: f.rows + f.tombstones, bytes: 0 })),
      files: { count: manifest.counts.files, bytes: manifest.counts.fileBytes },
    });
    await job.onManifest?.(syncManifest, 'bundle');
    const staging = StagingArea.create(this.fetch.stagingRoot, job.jobId);
    try {
      const staged = await this.stage(staging, job);
      return { manifest: syncManifest, protocol: 'bundle', nextCursor: manifest.window.nextCursor, staging, ...staged };
    } catch (error) {
      await this.fetch.discard(staging);
      throw error;
    }
  }

  private async stage(staging: StagingArea, job: FetchJob): Promise<Omit<FetchResult, 'manifest' | 'protocol' | 'nextCursor' | 'staging'>> {
    const { manifest } = this.bundle.head;
    const routeOf = new Map<string, string>();
    for (const feed of this.catalog.feeds()) for (const table of feedTables(feed)) routeOf.set(table, feed.route);
    const tables = new Set(routeOf.keys());
    const fileColumns = this.catalog.files();
    const refs = new Map<string, FileRef>();
    const inBundle = new Set<string>();
    const result: StagedFiles = { storedFiles: [], presentFiles: 0, filesToDownload: 0, bytesToDownload: 0, bytesDownloaded: 0 };
    const contentHash = createHash('sha256');
    const content = openContent(this.bundle.path, this.bundle.head, this.bundle.key);
    const hashed = content.pipe(new Transform({ transform: (chunk: Buffer, _e, done) => done(null, (contentHash.update(chunk), chunk)) }));
    content.on('error', (error) => hashed.destroy(error));
    const reader = new RecordReader(hashed, manifest.content.bytes);
    let records = 0;
    let ended = false;
    try {
      for (let record = await reader.next(); record; record = await reader.next()) {
        records++;
        if (ended) throw bundleError('ERR_BUNDLE_MALFORMED', 'records after the end of the bundle');
        if (job.signal.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the import was cancelled');
        if (record.t === 'end') {
          if (record.records !== records) throw bundleError('ERR_BUNDLE_TAMPERED', 'the bundle has another number of records than it says');
          ended = true;
        } else if (record.t === 'page' || record.t === 'tombstones') {
          const text = (await reader.take(record.n)).toString('utf8');
          const parsed = this.parsePage(text, record.t === 'page' ? record.table : null, tables);
          await staging.appendPage(record.t === 'page' ? record.table : '_tombstones', text);
          if (record.t === 'page') {
            if (fileColumns && record.table === fileColumns.spec.table) collectFileRefs(parsed, fileColumns, refs);
            job.progress.fetched(routeOf.get(record.table)!, parsed.length);
          } else {
            for (const d of parsed) job.progress.fetched(routeOf.get(String(d.table))!, 1);
          }
        } else {
          inBundle.add(record.sha256);
          await this.stageFile(staging, job, reader.body(record.size), record, result);
        }
      }
    } catch (error) {
      throw asBundleError(error);
    } finally {
      content.destroy();
    }
    if (!ended || records !== manifest.content.records || reader.bytes !== manifest.content.bytes || contentHash.digest('hex') !== manifest.content.sha256) {
      throw bundleError('ERR_BUNDLE_TAMPERED', 'the bundle content does not match its manifest (records, size or SHA-256)');
    }
    for (const ref of refs.values()) {
      if (!inBundle.has(ref.sha256) && !(await this.store.has(ref.sha256))) {
        throw bundleError('ERR_BUNDLE_TAMPERED', `the bundle lacks file ${ref.sha256} that its rows reference`);
      }
    }
    await staging.seal();
    // The rows that reference them commit only once the stored files are durable.
    if (result.storedFiles.length > 0) await this.store.makeDurable(result.storedFiles);
    const files = [...refs.values()];
    return { ...result, files, fileLocators: new Map(files.map((f) => [f.sha256, this.store.locator(f.sha256)])) };
  }

  /** A page's rows (or tombstones), shape-checked as a pulled page is. */
  private parsePage(text: string, table: string | null, tables: Set<string>): Record<string, unknown>[] {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (error) {
      throw bundleError('ERR_BUNDLE_MALFORMED', 'a bundle page is not JSON', error);
    }
    const page = table === null ? { data: [], deleted: rows, table: null, next: null } : { data: rows, deleted: [], table, next: null };
    const valid = validatePage(page, tables);
    return (table === null ? valid.deleted : valid.data) as Record<string, unknown>[];
  }

  /**
   * One file of the bundle: already here → skipped; a preview → hashed, not kept; else received
   * into staging verified (SHA-256, size), listed (intent, for crash recovery), and adopted by the
   * content store (made durable with the others before the apply).
   */
  private async stageFile(staging: StagingArea, job: FetchJob, body: AsyncIterable<Buffer>, expected: { sha256: string; size: number }, result: StagedFiles): Promise<void> {
    const { sha256, size } = expected;
    if (await this.store.has(sha256)) {
      for await (const _ of body) void _;
      result.presentFiles++;
      job.progress.fileProgress(size, true);
      return;
    }
    result.filesToDownload++;
    result.bytesToDownload += size;
    if (!job.downloadFiles) {
      const hash = createHash('sha256');
      for await (const chunk of body) hash.update(chunk);
      if (hash.digest('hex') !== sha256) throw bundleError('ERR_BUNDLE_TAMPERED', `file ${sha256} in the bundle has other content`);
      job.progress.fileProgress(size, true);
      return;
    }
    const received = await VerifiedFile.receive(Readable.from(body), join(staging.filesDir, `${sha256}.part`), expected);
    if (!(received instanceof VerifiedFile)) throw bundleError('ERR_BUNDLE_TAMPERED', `file ${sha256} in the bundle has other content (${received.size} bytes, SHA-256 ${received.sha256})`);
    appendFileSync(join(staging.dir, StagingArea.STORED_FILES), `${sha256}\n`, { mode: StagingArea.FILE_MODE });
    await this.store.adopt(received);
    result.storedFiles.push(sha256);
    result.bytesDownloaded += size;
    job.progress.fileProgress(size, true);
  }
}

/** Decryption and inflation failures are tampering; our own refusals pass as they are. */
function asBundleError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if ((error as { code?: string })?.code === 'ERR_MALFORMED_PAGE') return bundleError('ERR_BUNDLE_MALFORMED', (error as Error).message, error);
  return bundleError('ERR_BUNDLE_TAMPERED', `the bundle content failed authentication or decompression: ${(error as Error)?.message ?? String(error)}`, error);
}
