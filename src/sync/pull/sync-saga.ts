import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { classifyFailure } from '../../core/errors/failure';
import { SyncManifest } from '../export/export.types';
import { TableResult } from '../import/import.types';
import { ApplyStep } from './apply-step';
import { FetchResult, FetchSource, FetchStep } from './fetch-step';
import { PeerTarget } from './peer.port';
import { ProgressTracker } from './progress';
import { Announced, EndingWrite, FinishedRow, Measured, SyncLogRow, SyncLogs } from './sync-logs';
import { SyncSummary } from './sync-summary';
import { SyncCompletedEvent, SyncFailedEvent } from './sync.events';

export interface SagaJob {
  log: SyncLogRow;
  peer: PeerTarget;
  kind: 'pull' | 'preview';
  /** Cursor of the last completed pull from this peer (undefined: first pull, full window). */
  cursor?: string;
  /** Watermark (peer's generatedAt) of the last completed pull from this peer: a reference-protocol pull starts there. */
  lastSyncedAt?: string;
  lastApplyXid: string;
  /**
   * A full resync (after ERR_BEHIND_HORIZON): the whole window, and local rows that originated at
   * the peer but are not in it any more are deleted — the peer deleted them and no longer keeps the
   * tombstone that would say so.
   */
  fullResync?: boolean;
  progress: ProgressTracker;
  signal: AbortSignal;
  /** Where the data comes from: the peer over the network (default), or an offline bundle. */
  source?: FetchSource;
  /**
   * Ends the job with its last write (SyncLock.releaseAfter): the row committed, then the sync lock
   * released, in one round trip. Used by a pull that found nothing and staged nothing on disk.
   */
  endWith?: EndingWrite;
}

export interface SagaOutcome {
  manifest: SyncManifest;
  summary: SyncSummary;
  /** The job's row as its last write left it (a pull; undefined for a preview): the answer needs no read of it. */
  finished?: FinishedRow;
}

/**
 * The SyncSaga: one pull (or honest preview) as a persisted process: fetch (connect → manifest →
 * pages and files to staging) → apply in ONE transaction (with the sync log and the new cursor)
 * → clean up → announce (SyncCompletedEvent / SyncFailedEvent). Its state lives in sync_logs; a
 * failure at any point leaves the node's data as it was.
 */
@Injectable()
export class SyncSaga {
  private readonly logger = new Logger(SyncSaga.name);

  constructor(
    private readonly fetch: FetchStep,
    private readonly apply: ApplyStep,
    private readonly logs: SyncLogs,
    private readonly events: EventBus,
  ) {}

  async run(job: SagaJob): Promise<SagaOutcome> {
    let fetched: FetchResult | undefined;
    let phase: 'fetch' | 'apply' = 'fetch';
    const started = Date.now();
    // Kept until the job's row is written (SyncLogs.draft): with it, whatever the job ends as.
    const measured: Measured = {};
    // Tables are loaded for the apply as their feeds complete, while the fetch goes on (network pulls; a bundle's apply loads them itself).
    const preload = job.source ? undefined : this.apply.preload(job.signal, (rows, ms) => job.progress.loaded(rows, ms));
    let completed = false;
    // The job's row as the apply commits it: the operator's answer needs no read of it.
    let finished: FinishedRow | undefined;
    try {
      fetched = await (job.source ?? this.fetch).run({
        jobId: job.log.id,
        peer: job.peer,
        cursor: job.cursor,
        lastSyncedAt: job.lastSyncedAt,
        progress: job.progress,
        signal: job.signal,
        downloadFiles: job.kind === 'pull',
        onManifest: async (manifest, protocol) => {
          measured.protocol = protocol;
          measured.announced = announcedBy(manifest);
          if (!this.nothingToApply(job, manifest)) await this.logs.begin(job.log, 'fetching', job.progress.snapshot(), measured);
        },
        onClockSkew: async (skewMs) => {
          measured.clockSkewMs = skewMs;
        },
        onResume: async (report) => {
          measured.resumed = report;
          job.progress.resumed(report);
        },
        onTablesStaged: preload && ((staging, tables) => preload.load(staging, tables)),
      });
      const { manifest } = fetched;
      if (fetched.unchanged && this.nothingToApply(job, manifest)) return await this.finishUnchanged(job, fetched, started, measured);
      phase = 'apply';
      job.progress.applyPlanned(this.apply.stagedTables(fetched.staging));
      job.progress.phase('applying', { aggregate: null, table: null });
      await this.logs.updateProgress(job.log.id, 'applying', job.progress.snapshot());
      const summaryOf = (results: TableResult[]) => this.apply.summarize(results, fetched!, Date.now() - started);
      const tables = await this.apply.run({
        staging: fetched.staging,
        syncLogId: job.log.id,
        peerRegistryId: job.peer.registryId,
        peerProtocolId: manifest.protocolNodeId ?? job.peer.name,
        fullResyncOrigin: job.fullResync ? (manifest.protocolNodeId ?? undefined) : undefined,
        lastApplyXid: job.lastApplyXid,
        fileLocators: fetched.fileLocators,
        signal: job.signal,
        dryRun: job.kind === 'preview',
        onTableApplied: (r) => job.progress.appliedRows(r.received + r.tombstonesReceived, r.table),
        onTableLoaded: (rows, ms) => job.progress.loaded(rows, ms),
        onTablesApplied: () => job.progress.tablesApplied(),
        // Commits with the data: the log says completed exactly when the rows and the cursor are in.
        beforeCommit: async (runner, results) => {
          const summary = summaryOf(results);
          finished = await this.logs.complete(runner, job.log.id, {
            cursorTo: fetched!.nextCursor,
            lastSyncedAt: manifest.generatedAt,
            entitiesReceived: summary.entitiesReceived,
            counts: summary,
            progress: { ...job.progress.snapshot(), state: 'completed', phase: 'done', percent: 100 },
          });
        },
      }, preload);
      const summary = summaryOf(tables);
      job.progress.finish('completed');
      if (job.kind === 'preview') await this.logs.finishPreview(job.log.id, summary, job.progress.snapshot());
      await this.fetch.release(fetched, { collectGarbage: job.kind === 'preview' });
      this.events.publish(new SyncCompletedEvent(job.log.id, job.peer.registryId, job.kind, summary, manifest));
      completed = true;
      return { manifest, summary, finished };
    } catch (error) {
      // A string reason says why (the node stopping); a cancel by the operator has none.
      const because = typeof job.signal.reason === 'string' ? job.signal.reason : undefined;
      const failure = classifyFailure(error, 'pull', { cancelled: job.signal.aborted, cancelledBecause: because });
      // Cancelled (by the operator or a stopping node) says why nothing was applied better than
      // failed or rolled_back; the code (ERR_SYNC_CANCELLED) is the same either way.
      const status = job.signal.aborted ? 'cancelled' : phase === 'apply' ? 'rolled_back' : 'failed';
      this.logger.warn(`sync ${job.log.id} from ${job.peer.name} ${status}: ${failure.code} ${failure.message}`);
      job.progress.finish(status, { code: failure.code, message: failure.message });
      await this.logs.fail(job.log, status, failure.code, failure.message, job.progress.snapshot(), measured).catch(() => undefined);
      // A failed fetch has removed its staging itself.
      if (fetched) await this.fetch.release(fetched, { collectGarbage: true });
      this.events.publish(new SyncFailedEvent(job.log.id, job.peer.registryId, job.kind, failure.code));
      throw failure;
    } finally {
      // After a completed pull (or preview) the answer does not wait for the loads' temp tables to
      // be dropped (DISCARD TEMP of ~30 tables, 5–25 ms): their connection goes back to the pool
      // once they are gone, and end() never throws. A failed pull ends with nothing of it left.
      if (completed) void preload?.end();
      else await preload?.end();
    }
  }

  /**
   * The peer's window is empty and no full resync has to delete anything: there is nothing to
   * apply, so no apply transaction runs.
   */
  private nothingToApply(job: SagaJob, manifest: SyncManifest): boolean {
    return manifest.window?.empty === true && !job.fullResync;
  }

  /**
   * A pull that found nothing to do: one write, its completed row (with the peer's next cursor, see
   * SyncLogs.completeUnchanged); the staging (empty) goes; the usual event.
   */
  private async finishUnchanged(job: SagaJob, fetched: FetchResult, started: number, measured: Measured): Promise<SagaOutcome> {
    const { manifest } = fetched;
    const summary = this.apply.summarize(this.apply.nothingApplied(), fetched, Date.now() - started);
    const pull = job.kind === 'pull';
    // Nothing on disk to remove under the lock (a kept staging is): the row's write may release it.
    const endWith = fetched.unmade ? job.endWith : undefined;
    const finished = await this.logs.completeUnchanged(
      job.log,
      {
        cursorTo: pull ? fetched.nextCursor : null,
        lastSyncedAt: pull ? manifest.generatedAt : null,
        localApplyXid: pull ? job.lastApplyXid : null,
        entitiesReceived: summary.entitiesReceived,
        counts: summary,
        progress: { ...job.progress.snapshot(), state: 'completed', phase: 'done', percent: 100, etaSeconds: 0 },
      },
      measured,
      endWith,
    );
    job.progress.finish('completed');
    await this.fetch.release(fetched, { collectGarbage: false });
    this.events.publish(new SyncCompletedEvent(job.log.id, job.peer.registryId, job.kind, summary, manifest));
    return { manifest, summary, finished };
  }

  /** After a crash: what interrupted pulls left behind (their staging, files no row references). */
  recover(): Promise<string[]> {
    return this.fetch.recover();
  }
}

/** A change-feed manifest's totals (undefined for a reference-protocol manifest: it counts top-level rows only). */
export function announcedBy(manifest: SyncManifest): Announced | undefined {
  const feeds = manifest.feeds;
  if (!manifest.window || !Array.isArray(feeds)) return undefined;
  const sum = (pick: (f: { rows: number; tombstones: number; bytes: number }) => number) => feeds.reduce((n, f) => n + pick(f), 0);
  return {
    rows: sum((f) => f.rows),
    tombstones: sum((f) => f.tombstones),
    bytes: sum((f) => f.bytes),
    files: manifest.files?.count ?? 0,
    fileBytes: manifest.files?.totalBytes ?? 0,
    measuredAt: typeof manifest.serverTime === 'string' && !Number.isNaN(Date.parse(manifest.serverTime)) ? manifest.serverTime : new Date().toISOString(),
  };
}
