import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config';
import { classifyFailure } from '../../core/errors/failure';
import { RawJson } from '../../core/http/raw-json';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { wrapKeyFor } from '../../node-trust/crypto/certificates';
import { LocalIdentity } from '../../node-trust/identity/local-identity';
import { ExportEngine } from '../export/export-engine';
import { ExportWindows } from '../export/export-windows';
import { SyncManifest, TombstoneWire } from '../export/export.types';
import { FeedPages } from '../export/feed-pages';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { FetchStep } from '../pull/fetch-step';
import { SyncLogs } from '../pull/sync-logs';
import { collectFileRefs } from '../pull/page-checks';
import { FrameEncryptor } from '../shared/chunked-cipher';
import { BUNDLE_FORMAT_VERSION, BUNDLE_MAGIC, BundleManifest, RecordWriter } from './bundle-format';
import { BundlePeer, BundlePeers } from './bundle-peers';
import { BundlePositions } from './bundle-positions';

/** A bundle written to local disk: its signed head (magic, manifest, signature) and its encrypted content. */
export interface ExportedBundle {
  manifest: BundleManifest;
  /** Bytes of the whole file. */
  size: number;
  fileName: string;
  /** The whole file as one stream (head, then content). */
  open(): Readable;
  /** Removes the local copy. */
  remove(): Promise<void>;
}

/** Counts and hashes bytes passing through. */
function meter(hash: ReturnType<typeof createHash>, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      counted.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/**
 * Exporter side of offline bundles: everything a pull by `peer` would bring, written into one
 * file. It reads exactly what the peer's next pull would: an export window opened from the
 * position the peer last acknowledged (by an acknowledgement file or its last online pull), every
 * page of every feed, the files the rows reference; then the window is closed. The content is
 * compressed, encrypted for the peer's certificate and the manifest signed with this node's key.
 */
@Injectable()
export class BundleExporter {
  private readonly logger = new Logger(BundleExporter.name);

  constructor(
    private readonly peers: BundlePeers,
    private readonly positions: BundlePositions,
    private readonly engine: ExportEngine,
    private readonly windows: ExportWindows,
    private readonly pages: FeedPages,
    private readonly catalog: SyncCatalog,
    private readonly files: SyncedFiles,
    private readonly identity: LocalIdentity,
    private readonly logs: SyncLogs,
    private readonly fetch: FetchStep,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * `full`: from the beginning, whatever the peer acknowledged — what a full resync would bring
   * (after ERR_BEHIND_HORIZON: the peer's position is older than the deletes this node still knows).
   */
  async export(remoteNodeId: string, requestedBy: string | null, options: { full?: boolean } = {}): Promise<ExportedBundle> {
    const peer = await this.peers.recipient(remoteNodeId);
    const position = options.full ? undefined : await this.positions.get(peer.node.id);
    const log = this.logs.draft(randomUUID(), peer.node.id, 'bundle_export', requestedBy, position?.cursor ?? null);
    const measured = { protocol: 'bundle' };
    await this.logs.begin(log, 'exporting', null, measured);
    const dir = join(this.fetch.stagingRoot, `bundle-export-${log.id}`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      // Opened for the peer as its own manifest request would be, under its own owner name so a
      // pull the peer runs meanwhile keeps its window.
      const owner = `bundle:${peer.node.id}`;
      const window = await this.engine.manifest({ cursor: position?.cursor, windowMode: true, peer: owner });
      const bundle = await this.write(dir, peer, owner, window, position?.cursor ?? null, Boolean(options.full));
      const runner = this.dataSource.createQueryRunner();
      try {
        const entities = Object.fromEntries(bundle.manifest.counts.feeds.map((f) => [f.aggregate, 0]));
        for (const f of bundle.manifest.counts.feeds) entities[f.aggregate] += f.rows;
        const filesName = this.catalog.files()?.spec.name;
        if (filesName) entities[filesName] = bundle.manifest.counts.files;
        await this.logs.complete(runner, log.id, {
          cursorTo: bundle.manifest.window.nextCursor,
          lastSyncedAt: bundle.manifest.createdAt,
          entitiesReceived: entities,
          counts: null,
          progress: null,
        });
      } finally {
        await runner.release();
      }
      this.logger.log(`bundle ${bundle.manifest.bundleId} for ${peer.node.nodeName}: ${bundle.manifest.counts.rows} rows, ${bundle.manifest.counts.tombstones} deletes, ${bundle.manifest.counts.files} files, ${bundle.size} bytes`);
      return bundle;
    } catch (error) {
      const failure = classifyFailure(error, 'request');
      await this.logs.fail(log, 'failed', failure.code, failure.message, undefined, measured).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw failure;
    }
  }

  private async write(dir: string, peer: BundlePeer, owner: string, window: SyncManifest, cursorFrom: string | null, full: boolean): Promise<ExportedBundle> {
    const bundleId = randomUUID();
    const key = randomBytes(32);
    const contentHash = createHash('sha256');
    const cipherHash = createHash('sha256');
    const plainBytes = { bytes: 0 };
    const cipherBytes = { bytes: 0 };
    const contentPath = join(dir, 'content');
    const plain = new PassThrough();
    const written = pipeline(
      plain,
      meter(contentHash, plainBytes),
      createGzip({ level: 6 }),
      new FrameEncryptor(key, bundleId, 0),
      meter(cipherHash, cipherBytes),
      createWriteStream(contentPath, { mode: 0o600 }),
    );
    const writer = new RecordWriter(plain);
    let counts: BundleManifest['counts'];
    try {
      counts = await this.writeRecords(writer, owner, window);
      await writer.write({ t: 'end', records: writer.records + 1 });
      plain.end();
      await written;
    } catch (error) {
      plain.destroy(error as Error);
      await written.catch(() => undefined);
      throw error;
    } finally {
      void this.windows.close(window.window!.token).catch(() => undefined);
    }
    const manifest: BundleManifest = {
      format: 'prism-bundle',
      version: BUNDLE_FORMAT_VERSION,
      bundleId,
      createdAt: new Date().toISOString(),
      exporter: { nodeId: this.identity.nodeId, nodeName: this.identity.nodeName, fingerprint: this.identity.fingerprint },
      recipient: { nodeId: peer.node.protocolNodeId, nodeName: peer.node.nodeName, fingerprint: peer.node.certificateFingerprint ?? '' },
      protocolVersion: window.protocolVersion,
      schemaVersion: window.schemaVersion,
      window: { from: window.window!.from, to: window.window!.to, cursorFrom, nextCursor: window.window!.nextCursor, reset: window.window!.reset, full },
      counts,
      content: { records: writer.records, bytes: plainBytes.bytes, sha256: contentHash.digest('hex') },
      cipher: {
        algorithm: 'AES-256-GCM-frames',
        keyWrapping: 'RSA-OAEP-SHA256',
        wrappedKey: wrapKeyFor(peer.certificate, key).toString('base64'),
        compression: 'gzip',
        bytes: cipherBytes.bytes,
        sha256: cipherHash.digest('hex'),
      },
    };
    const manifestText = JSON.stringify(manifest);
    const head = Buffer.from(`${BUNDLE_MAGIC}\n${manifestText}\n${this.identity.sign(manifestText)}\n`, 'utf8');
    const size = head.length + statSync(contentPath).size;
    return {
      manifest,
      size,
      fileName: `${this.identity.nodeId}-to-${peer.node.protocolNodeId ?? peer.node.id}-${manifest.createdAt}`.replace(/[^A-Za-z0-9_-]/g, '') + '.prism-bundle',
      open: () => Readable.from((async function* () {
        yield head;
        yield* createReadStream(contentPath);
      })()),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  }

  /** Every page of every feed of the window, then the files those rows reference. */
  private async writeRecords(writer: RecordWriter, owner: string, window: SyncManifest): Promise<BundleManifest['counts']> {
    const fileColumns = this.catalog.files();
    const refs = new Map<string, FileRef>();
    const counts: BundleManifest['counts'] = { feeds: [], rows: 0, tombstones: 0, files: 0, fileBytes: 0 };
    for (const feed of window.feeds ?? []) {
      const counted = { route: feed.route, aggregate: feed.aggregate, rows: 0, tombstones: 0 };
      counts.feeds.push(counted);
      if (feed.rows + feed.tombstones === 0) continue;
      let after: string | undefined;
      let page = 1;
      do {
        // JSON pages (no `format`): the rows are shaped for the bundle's page records.
        const raw = await this.pages.page(feed.route, { window: window.window!.token, after, pageSize: this.config.sync.pullPageSize, page: page++, caller: owner });
        if (!(raw instanceof RawJson)) throw new Error('a JSON window page was expected');
        const result = JSON.parse(raw.text) as { data: Record<string, unknown>[]; table: string | null; deleted: TombstoneWire[]; next: string | null };
        if (result.data.length > 0) {
          const body = Buffer.from(JSON.stringify(result.data), 'utf8');
          await writer.write({ t: 'page', table: result.table!, n: body.length }, body);
          if (fileColumns && result.table === fileColumns.spec.table) collectFileRefs(result.data, fileColumns, refs);
          counted.rows += result.data.length;
        }
        if (result.deleted.length > 0) {
          const body = Buffer.from(JSON.stringify(result.deleted), 'utf8');
          await writer.write({ t: 'tombstones', n: body.length }, body);
          counted.tombstones += result.deleted.length;
        }
        after = result.next ?? undefined;
      } while (after);
      counts.rows += counted.rows;
      counts.tombstones += counted.tombstones;
    }
    // The pages are in: the source's snapshot need not be held while the files are copied.
    await this.windows.close(window.window!.token).catch(() => undefined);
    for (const file of refs.values()) {
      await writer.write({ t: 'file', sha256: file.sha256, size: file.size });
      await writer.copy(await this.files.openRead(file.sha256), file.size);
      counts.files++;
      counts.fileBytes += file.size;
    }
    return counts;
  }
}
