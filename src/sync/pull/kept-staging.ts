import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../config';
import { PeerError } from '../../core/errors/peer-error';
import { SyncManifest } from '../export/export.types';
import { FileRef, SyncedFiles } from '../files/synced-files.port';
import { StagingArea, StagingLedger } from '../import/staging';
import type { PageFormat } from '../shared/protocol';
import type { ResumeReport } from '../../../client/src/types';

/** Where pulls stage: SYNC_STAGING_DIR, or DATA_DIR/staging. */
export function stagingRootOf(config: AppConfig): string {
  return config.sync.stagingDir ?? join(config.server.dataDir, 'staging');
}

/** What a resumable window pull records in its staging's ledger, besides the pages. */
export interface ResumeHeader {
  /** Registry id of the peer pulled from. */
  peer: string;
  /** The cursor the pull started from (null: first pull): a kept window only continues the same pull. */
  cursor: string | null;
  /** The job that staged it first. */
  jobId: string;
  manifest: SyncManifest;
  /** How long the source keeps the window after its last page (its idle time, from the manifest). */
  keepMs: number;
  /** The format the pages were staged in: a resume goes on in it. */
  pageFormat?: PageFormat;
}

/** What a resumed pull took over from a kept staging (the sync log's `resumed`): the wire contract in client/. */
export type { ResumeReport };

export interface KeptWindow {
  staging: StagingArea;
  header: ResumeHeader;
  ledger: StagingLedger<ResumeHeader>;
  /** The files the staged rows reference (first row per content). */
  files: FileRef[];
  report: ResumeReport;
}

const KEPT_PREFIX = 'kept-';
/** A window the source keeps longer than this is not waited for here. */
const MAX_KEEP_MS = 24 * 3600_000;

/** The source's idle time of a window, from its manifest (expiresAt − serverTime), bounded. */
export function keepMsOf(manifest: SyncManifest): number {
  const ms = Date.parse(manifest.window?.expiresAt ?? '') - Date.parse(manifest.serverTime ?? '');
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_KEEP_MS) : 0;
}

/**
 * A failure after which the same window may still be read: the network, the peer's transient
 * answers (retries exhausted), a file transfer cut. Not: a refusal, a malformed or mismatching
 * answer, a released window, a cancel.
 */
export function isResumableFailure(error: unknown): boolean {
  if (!(error instanceof PeerError)) return false;
  if (error.code === 'ERR_WINDOW_EXPIRED') return false;
  return error.retryable || error.status >= 500;
}

/**
 * Kept stagings (issue 19 item 5): the staging of a window pull that failed in its fetch step for a
 * transient reason, or was interrupted by a crash, is kept — at most one per peer, as
 * `kept-<peer>` under the staging root — so the next pull from that peer continues the same
 * window. A kept staging is not data: nothing of it is applied until a pull commits, and it goes
 * when the window would have expired at the source, when the cursor moved, or when it cannot be
 * resumed. The files it stored stay out of the orphan sweep only while it is kept.
 */
export class KeptStagings {
  constructor(
    readonly root: string,
    private readonly files: SyncedFiles,
  ) {}

  private dirOf(peer: string): string {
    return join(this.root, `${KEPT_PREFIX}${peer}`);
  }

  private keptEntries(): string[] {
    return existsSync(this.root) ? readdirSync(this.root).filter((e) => e.startsWith(KEPT_PREFIX)) : [];
  }

  private static header(ledger: StagingLedger | undefined): ResumeHeader | undefined {
    const header = ledger?.header as ResumeHeader | undefined;
    return header && typeof header.peer === 'string' && header.manifest?.window ? header : undefined;
  }

  private static expired(ledger: StagingLedger): boolean {
    const header = KeptStagings.header(ledger);
    return !header || Date.now() > ledger.touchedAt + header.keepMs;
  }

  /** The files kept stagings (but `except`) stored: protected from the collector while kept. */
  protectedFiles(except?: string): Set<string> {
    const entries = this.keptEntries().filter((e) => join(this.root, e) !== except);
    return new Set(entries.flatMap((e) => new StagingArea(join(this.root, e)).storedFiles()));
  }

  /** Collects the files a staging stored that no committed row (nor a kept staging) references, then removes it. */
  async discard(staging: StagingArea): Promise<void> {
    const kept = this.protectedFiles(staging.dir);
    await this.files.collectGarbage(staging.storedFiles().filter((f) => !kept.has(f)));
    await staging.remove();
  }

  /** Keeps a failed pull's staging for the next pull from its peer (replacing an older kept one). */
  async keep(staging: StagingArea, peer: string): Promise<void> {
    const dir = this.dirOf(peer);
    const older = existsSync(dir) ? new StagingArea(dir) : undefined;
    await staging.moveTo(`${dir}.new`);
    if (older) await this.discard(older);
    await new StagingArea(`${dir}.new`).moveTo(dir);
  }

  /**
   * The kept staging of `peer`, moved to `dir` for a new job, when it continues the same pull
   * (same cursor) and its window may still be held; otherwise it is dropped.
   */
  async take(peer: string, cursor: string | null, dir: string): Promise<KeptWindow | undefined> {
    const keptDir = this.dirOf(peer);
    if (!existsSync(keptDir)) return undefined;
    const ledger = StagingArea.readLedger(keptDir) as StagingLedger<ResumeHeader> | undefined;
    const header = KeptStagings.header(ledger);
    const reopened = ledger && header && header.peer === peer && header.cursor === cursor && !KeptStagings.expired(ledger) ? StagingArea.reopen(keptDir) : undefined;
    if (!reopened) {
      await this.discard(new StagingArea(keptDir));
      return undefined;
    }
    const staging = await reopened.moveTo(dir);
    const files = staging.records() as FileRef[];
    return { staging, header: header!, ledger: ledger!, files, report: await this.report(staging, ledger!, files) };
  }

  /** What the kept staging saves: its pages, the files it stored (in the store now), the bytes of partial downloads of the others. */
  private async report(staging: StagingArea, ledger: StagingLedger<ResumeHeader>, files: FileRef[]): Promise<ResumeReport> {
    const positions = Object.values(ledger.positions);
    const listed = new Set(staging.storedFiles());
    const storedRefs: FileRef[] = [];
    for (const f of files) if (listed.has(f.sha256) && (await this.files.has(f.sha256))) storedRefs.push(f);
    const stored = new Set(storedRefs.map((f) => f.sha256));
    const partBytes = existsSync(staging.filesDir)
      ? readdirSync(staging.filesDir)
          .filter((e) => e.endsWith('.part') && !stored.has(e.slice(0, -'.part'.length)))
          .reduce((n, e) => n + statSync(join(staging.filesDir, e)).size, 0)
      : 0;
    return {
      fromJobId: ledger.header.jobId,
      pages: positions.reduce((n, p) => n + p.pages, 0),
      rows: positions.reduce((n, p) => n + p.count, 0),
      pageBytes: Object.entries(ledger.sizes).filter(([f]) => f.endsWith('.pages')).reduce((n, [, size]) => n + size, 0),
      files: storedRefs.length,
      fileBytes: storedRefs.reduce((n, f) => n + f.size, 0) + partBytes,
    };
  }

  /**
   * After a crash (no job running): the staging of an interrupted window pull whose window may still
   * be held is kept for its peer; every other staging goes with the files it stored. Returns the
   * directories removed.
   */
  async recover(): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const removed: string[] = [];
    for (const entry of readdirSync(this.root).sort((a, b) => Number(b.startsWith(KEPT_PREFIX)) - Number(a.startsWith(KEPT_PREFIX)))) {
      const dir = join(this.root, entry);
      const ledger = StagingArea.readLedger(dir);
      const header = KeptStagings.header(ledger);
      if (ledger && header && !KeptStagings.expired(ledger)) {
        if (entry.startsWith(KEPT_PREFIX)) continue;
        const current = StagingArea.readLedger(this.dirOf(header.peer));
        if (!current || current.touchedAt < ledger.touchedAt) {
          await this.keep(new StagingArea(dir), header.peer);
          continue;
        }
      }
      await this.discard(new StagingArea(dir));
      removed.push(entry);
    }
    return removed;
  }

  /** Drops kept stagings whose window the source would have released (its files become collectable). */
  async dropExpired(): Promise<string[]> {
    const dropped: string[] = [];
    for (const entry of this.keptEntries()) {
      const ledger = StagingArea.readLedger(join(this.root, entry));
      if (ledger && !KeptStagings.expired(ledger)) continue;
      rmSync(join(this.root, entry), { recursive: true, force: true });
      dropped.push(entry);
    }
    return dropped;
  }
}
