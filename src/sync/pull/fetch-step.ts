import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { feedTables, SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea } from '../import/staging';
import { COPY_PAGE_FORMAT, PageFormat, SYNC_PAGE_FORMATS_HEADER, SYNC_PROTOCOL_HEADER, SYNC_PROTOCOL_VERSION } from '../shared/protocol';
import { wireColumns } from '../../core/sync-kernel/sql';
import { PAGE_BATCH_CAPABILITY, PAGE_PARTS_CAPABILITY } from '../shared/page-stream';
import { PeerConnection, PeerConnector, PeerTarget } from './peer.port';
import { ProgressTracker } from './progress';
import { ReferenceDownload } from './reference-download';
import { WindowDownload } from './window-download';
import { isResumableFailure, KeptStagings, KeptWindow, keepMsOf, ResumeHeader, ResumeReport, stagingRootOf } from './kept-staging';
import { DEFAULT_RETRY, RetryPolicy, withRetry } from './retry';

/** What the fetch needs to know of a job. */
export interface FetchJob {
  jobId: string;
  peer: PeerTarget;
  /** Cursor of the last completed pull from this peer (undefined: first pull, full window). */
  cursor?: string;
  progress: ProgressTracker;
  signal: AbortSignal;
  /** False for a preview: the files are counted (and checked for presence) but not downloaded. */
  downloadFiles: boolean;
  /** Watermark of the last completed pull from this peer (its manifest's generatedAt): where a reference-protocol pull starts. */
  lastSyncedAt?: string;
  /** Called once the manifest is in, before the pages are fetched (the job records its progress and the protocol). */
  onManifest?(manifest: SyncManifest, protocol: SyncProtocolName): Promise<void>;
  /** Called with the measured clock skew (peer minus local, ms) before it is checked against the limit. */
  onClockSkew?(skewMs: number): Promise<void>;
  /**
   * Called once every page of these tables is in `staging` (window pulls; see
   * WindowDownload's onTablesStaged): the apply may load them while the fetch goes on.
   */
  onTablesStaged?(staging: StagingArea, tables: string[]): void;
  /** Called when the pull continues a kept window (what it reuses), and with null when the source no longer held it. */
  onResume?(report: ResumeReport | null): Promise<void>;
}

/**
 * The protocol a peer spoke at a pull: our change-feed window ("2"), the reference's
 * `since`/page ("reference": late commits older than the overlap can be missed), or an offline
 * bundle of a window ("bundle").
 */
export type SyncProtocolName = typeof SYNC_PROTOCOL_VERSION | 'reference' | 'bundle';

/** What brings a job's data into staging: the network fetch (FetchStep), or an offline bundle (src/sync/bundle). */
export interface FetchSource {
  run(job: FetchJob): Promise<FetchResult>;
}

/** Everything a pull brought in, in local staging: what the apply step applies. */
export interface FetchResult {
  manifest: SyncManifest;
  protocol: SyncProtocolName;
  /** The next pull's change-feed cursor (null after a reference-protocol pull: its watermark is generatedAt). */
  nextCursor: string | null;
  staging: StagingArea;
  files: FileRef[];
  /** Content this pull stored (garbage-collected if the pull does not commit). */
  storedFiles: string[];
  /** Content already present locally (not downloaded). */
  presentFiles: number;
  /** Files not present here: a pull downloads them, a preview only counts them. */
  filesToDownload: number;
  bytesToDownload: number;
  /** File bytes received from the peer (a resumed transfer counts each byte once; a restarted one again). */
  bytesDownloaded: number;
  /** What this pull took over from a kept staging of an earlier, failed pull (null or absent: fetched from the start). */
  resumed?: ResumeReport | null;
  /** SHA-256 → where this node keeps the file (the locator column of imported rows). */
  fileLocators: Map<string, string>;
  /** Format of the window's pages (undefined for a reference-protocol pull). */
  pageFormat?: PageFormat;
  /** The peer found nothing since the cursor (an empty window): nothing was fetched, nothing is to apply. */
  unchanged?: boolean;
  /** The staging was never made on disk (an empty window fetched afresh): nothing of the pull is on disk. */
  unmade?: boolean;
}


const nothingDownloaded = () => ({ files: [], storedFiles: [], presentFiles: 0, filesToDownload: 0, bytesToDownload: 0, bytesDownloaded: 0 });

function isWindowExpired(error: unknown): boolean {
  return (error instanceof PeerError || error instanceof AppError) && error.code === 'ERR_WINDOW_EXPIRED';
}

/**
 * Fetch: connect to the peer, take its manifest (which opens an export window), and bring every
 * page of every feed of the window, and every file those rows reference, into local staging. No
 * database transaction is open meanwhile. The staging belongs to the job until release().
 */
@Injectable()
export class FetchStep implements FetchSource {
  private readonly logger = new Logger(FetchStep.name);
  private readonly kept: KeptStagings;

  constructor(
    private readonly connector: PeerConnector,
    private readonly catalog: SyncCatalog,
    private readonly config: AppConfig,
    private readonly files: SyncedFiles,
  ) {
    this.kept = new KeptStagings(stagingRootOf(config), files);
  }

  get stagingRoot(): string {
    return stagingRootOf(this.config);
  }

  private get retry(): RetryPolicy {
    return { ...DEFAULT_RETRY, attempts: this.config.sync.retryAttempts };
  }

  /**
   * A pull first continues the kept window of an earlier pull from the same peer that failed in its
   * fetch (KeptStagings); if the source no longer holds it, nothing is lost: the pull starts afresh.
   * A window the source releases mid-pull is fetched again from a fresh manifest, once. On a
   * transient failure the staging is kept for the next pull; on any other it is removed (with the
   * files it stored) before the error is thrown.
   */
  async run(job: FetchJob): Promise<FetchResult> {
    const kept = job.downloadFiles ? await this.kept.take(job.peer.registryId, job.cursor ?? null, join(this.stagingRoot, job.jobId)) : undefined;
    if (kept) {
      try {
        this.logger.log(`sync ${job.jobId}: continues the window of sync ${kept.report.fromJobId} (${kept.report.pages} pages, ${kept.report.files} files staged)`);
        await job.onResume?.(kept.report);
        return await this.fetchWindow(job, () => kept.staging, kept);
      } catch (error) {
        if (!isWindowExpired(error) || job.signal.aborted) {
          await this.settle(job, kept.staging, error);
          throw error;
        }
        this.logger.warn(`sync ${job.jobId}: the peer no longer holds the kept window; fetching afresh`);
        await this.kept.discard(kept.staging);
        await job.onResume?.(null);
      }
    }
    // Made once the manifest says there is something to stage: a pull with nothing to do touches no disk.
    let staging: StagingArea | undefined;
    const stage = () => (staging ??= StagingArea.create(this.stagingRoot, job.jobId));
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.fetchWindow(job, stage);
        } catch (error) {
          if (attempt >= 2 || !isWindowExpired(error) || job.signal.aborted) throw error;
          this.logger.warn(`sync ${job.jobId}: the peer released the export window; fetching again`);
          if (staging) await this.kept.discard(staging);
          staging = undefined;
        }
      }
    } catch (error) {
      if (staging) await this.settle(job, staging, error);
      throw error;
    }
  }

  /** After a failed fetch: a window pull that may continue later keeps its staging, any other removes it. */
  private async settle(job: FetchJob, staging: StagingArea, error: unknown): Promise<void> {
    if (job.downloadFiles && !job.signal.aborted && staging.resumeLedger && isResumableFailure(error)) {
      await this.kept.keep(staging, job.peer.registryId);
      this.logger.warn(`sync ${job.jobId}: staging kept; the next pull from ${job.peer.name} continues this window while the peer holds it`);
      return;
    }
    await this.kept.discard(staging);
  }

  /** Drops a pull's staging; `collectGarbage`: also the files it stored that no committed row references. */
  async release(fetched: FetchResult, options: { collectGarbage: boolean }): Promise<void> {
    if (options.collectGarbage) await this.discard(fetched.staging);
    else await fetched.staging.remove();
  }

  /** Removes a staging with the files it stored that no committed row nor kept staging holds (a failed bundle import's too). */
  discard(staging: StagingArea): Promise<void> {
    return this.kept.discard(staging);
  }

  /**
   * After a crash (no job can be running): the staging of an interrupted window pull is kept for its
   * peer while the window may still be held; the rest goes, with the files no committed row
   * references. Returns the staging directories removed.
   */
  recover(): Promise<string[]> {
    return this.kept.recover();
  }

  /**
   * Connect, manifest, and every page and file to staging; the connection is closed after. A peer
   * that opens no window speaks only the reference protocol: its `since`/page feeds are fetched
   * instead (ReferenceDownload), from the last watermark minus the overlap.
   */
  private async fetchWindow(job: FetchJob, stage: () => StagingArea, kept?: KeptWindow): Promise<FetchResult> {
    job.progress.phase('connecting');
    const connection = await this.connector.connect(job.peer, job.signal);
    try {
      job.progress.phase('manifest');
      const since = this.referenceSince(job.lastSyncedAt);
      // A kept window is continued as it was announced: a new manifest would replace it at the source.
      const manifest = kept ? kept.header.manifest : await this.manifest(connection, job, since);
      if (!manifest.window) return await this.fetchReference(connection, job, stage(), manifest, since);
      if (kept) this.announceTotals(job, manifest);
      await job.onManifest?.(manifest, SYNC_PROTOCOL_VERSION);
      // An empty window stages nothing: its staging is never made on disk (a kept one is released as usual).
      if (manifest.window.empty) {
        const staging = kept ? kept.staging : StagingArea.unmade(this.stagingRoot, job.jobId);
        return { manifest, protocol: SYNC_PROTOCOL_VERSION, nextCursor: manifest.window.nextCursor, staging, ...nothingDownloaded(), fileLocators: new Map(), unchanged: true, unmade: !kept };
      }
      const staging = stage();
      // A kept window goes on in the format its pages were staged in (a table's pages are of one format).
      const pageFormat: PageFormat = kept?.header.pageFormat ?? (this.config.sync.copyPages && manifest.window.pageFormat === COPY_PAGE_FORMAT ? COPY_PAGE_FORMAT : 'json');
      if (!kept && job.downloadFiles) {
        staging.startLedger<ResumeHeader>({ peer: job.peer.registryId, cursor: job.cursor ?? null, jobId: job.jobId, manifest, keepMs: keepMsOf(manifest), pageFormat });
      }
      const download = new WindowDownload(connection, staging, this.files, this.catalog.files(), job.progress, {
        downloadFiles: job.downloadFiles,
        pageSize: this.config.sync.pullPageSize,
        fileConcurrency: this.config.sync.fileConcurrency,
        copyPages: pageFormat === COPY_PAGE_FORMAT,
        pageBatch: manifest.window.pageBatch === true,
        pageParts: manifest.window.pageParts === true,
        pageConcurrency: this.config.sync.pageConcurrency,
        onTablesStaged: job.onTablesStaged && ((tables) => job.onTablesStaged!(staging, tables)),
        wireNames: (table) => wireColumns(this.catalog.table(table)).map((c) => c.property),
        retry: this.retry,
        signal: job.signal,
      });
      const resume = kept && { positions: kept.ledger.positions, files: kept.files };
      const downloaded = await download.run(manifest, (route) => feedTables(this.catalog.feed(route)!), resume);
      const nextCursor = manifest.window.nextCursor;
      return { manifest, protocol: SYNC_PROTOCOL_VERSION, nextCursor, staging, ...downloaded, fileLocators: this.locators(downloaded.files), pageFormat, resumed: kept?.report ?? null };
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private locators(files: FileRef[]): Map<string, string> {
    return new Map(files.map((f) => [f.sha256, this.files.locator(f.sha256)]));
  }

  /** Where a reference-protocol pull starts: the last watermark minus the overlap (null: everything). */
  private referenceSince(lastSyncedAt: string | undefined): string | null {
    if (!lastSyncedAt) return null;
    const at = Date.parse(lastSyncedAt);
    if (Number.isNaN(at)) return null;
    return new Date(at - this.config.sync.referenceOverlapSeconds * 1000).toISOString();
  }

  private async fetchReference(connection: PeerConnection, job: FetchJob, staging: StagingArea, manifest: SyncManifest, since: string | null): Promise<FetchResult> {
    if (typeof manifest.generatedAt !== 'string' || Number.isNaN(Date.parse(manifest.generatedAt))) throw new PeerError(0, 'ERR_MALFORMED_PAGE', 'the peer\'s manifest has no generatedAt', false);
    // The reference counts top-level rows only: a lower bound for the progress.
    const counts = manifest as unknown as Record<string, { count?: number } | undefined>;
    job.progress.totals({
      feeds: this.catalog.aggregates().flatMap((a) => a.feeds.map((f, i) => ({ route: f.route, rows: i === 0 ? Number(counts[a.name]?.count ?? 0) : 0, bytes: 0 }))),
      files: { count: 0, bytes: 0 },
    });
    await job.onManifest?.(manifest, 'reference');
    const fileColumns = this.catalog.files();
    const download = new ReferenceDownload(
      connection,
      staging,
      this.files,
      { feeds: this.catalog.feeds(), table: (name) => this.catalog.table(name), files: fileColumns },
      job.progress,
      {
        pageSize: this.config.sync.pullPageSize,
        retry: this.retry,
        since,
        maxFileBytes: this.config.sync.base64FileMaxBytes,
        downloadFiles: job.downloadFiles,
        signal: job.signal,
      },
    );
    const downloaded = await download.run();
    return { manifest, protocol: 'reference', nextCursor: null, staging, ...downloaded, fileLocators: this.locators(downloaded.files) };
  }

  /**
   * The manifest: asks for a window (X-Sync-Protocol, cursor) and, for a peer that speaks only the
   * reference protocol, gives `since` too (a window-mode peer ignores it, the reference ignores the rest).
   */
  private async manifest(connection: PeerConnection, job: FetchJob, since: string | null): Promise<SyncManifest> {
    const body: Record<string, string> = {};
    if (job.cursor) body.cursor = job.cursor;
    if (since) body.since = since;
    let asked = 0;
    const manifest = await withRetry(
      () => {
        asked = Date.now();
        const headers: Record<string, string> = { [SYNC_PROTOCOL_HEADER]: SYNC_PROTOCOL_VERSION };
        if (this.config.sync.copyPages) headers[SYNC_PAGE_FORMATS_HEADER] = `${COPY_PAGE_FORMAT}, ${PAGE_BATCH_CAPABILITY}, ${PAGE_PARTS_CAPABILITY}`;
        return connection.invoke<SyncManifest>('POST', '/api/sync/manifest', body, headers);
      },
      this.retry,
      job.signal,
    );
    const answered = Date.now();
    if (!manifest || typeof manifest !== 'object') throw new PeerError(0, 'ERR_MALFORMED_PAGE', `peer ${job.peer.name} sent no manifest`, false);
    if (!manifest.window) return manifest;
    if (!Array.isArray(manifest.feeds)) {
      throw new AppError(409, 'ERR_PROTOCOL_MISMATCH', `peer ${job.peer.name} opened a window without feeds (protocol ${SYNC_PROTOCOL_VERSION} expected)`);
    }
    const ours = this.catalog.schemaVersion;
    if (manifest.schemaVersion !== ours) {
      throw new AppError(409, 'ERR_SCHEMA_MISMATCH', `peer ${job.peer.name} has schema ${manifest.schemaVersion}, this node ${ours}; upgrade the older node first`, {
        details: { peerSchemaVersion: manifest.schemaVersion, localSchemaVersion: ours },
      });
    }
    await this.checkClock(manifest, (asked + answered) / 2, job).catch((error: unknown) => {
      // Refused: the peer need not hold its snapshot until the window idles out.
      if (!manifest.window!.empty) void connection.invoke('POST', '/api/sync/window/close', { window: manifest.window!.token }).catch(() => undefined);
      throw error;
    });
    this.announceTotals(job, manifest);
    return manifest;
  }

  private announceTotals(job: FetchJob, manifest: SyncManifest): void {
    job.progress.totals({
      feeds: (manifest.feeds ?? []).map((f) => ({ route: f.route, rows: f.rows + f.tombstones, bytes: f.bytes })),
      files: { count: manifest.files?.count ?? 0, bytes: manifest.files?.totalBytes ?? 0 },
    });
  }

  /**
   * Newer-wins compares this node's clock with the peer's: the skew is recorded at every pull, and
   * beyond SYNC_MAX_CLOCK_SKEW_SECONDS the pull is refused before anything is fetched.
   */
  private async checkClock(manifest: SyncManifest, localMidpointMs: number, job: FetchJob): Promise<void> {
    const skewMs = clockSkewMs(manifest.serverTime, localMidpointMs);
    if (skewMs === undefined) return;
    await job.onClockSkew?.(skewMs);
    const limitMs = this.config.sync.maxClockSkewSeconds * 1000;
    if (Math.abs(skewMs) <= limitMs) return;
    const localTime = new Date(localMidpointMs).toISOString();
    const peerTime = new Date(localMidpointMs + skewMs).toISOString();
    throw new AppError(
      409,
      'ERR_CLOCK_SKEW',
      `the clock of peer ${job.peer.name} (${peerTime}) and this node's (${localTime}) differ by ${formatSkew(skewMs)}, more than the limit of ${formatSkew(limitMs)} ` +
        '(SYNC_MAX_CLOCK_SKEW_SECONDS): newer-wins would compare them. Set the wrong clock right (NTP), then pull again',
      { details: { localTime, peerTime, skewMs, limitMs } },
    );
  }
}

/** "2 min", "5 min 3 s", "45 s" (sign dropped). */
function formatSkew(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const [min, s] = [Math.floor(seconds / 60), seconds % 60];
  return min === 0 ? `${s} s` : s === 0 ? `${min} min` : `${min} min ${s} s`;
}

/** The peer's clock minus this node's, in ms: its manifest's serverTime against the middle of the request. */
export function clockSkewMs(serverTime: unknown, localMidpointMs: number): number | undefined {
  const peer = typeof serverTime === 'string' ? Date.parse(serverTime) : NaN;
  return Number.isFinite(peer) ? Math.round(peer - localMidpointMs) : undefined;
}
