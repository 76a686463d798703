import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { localNodeUuid } from '../../core/local-node';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { feedTables, SyncManifest } from '../export/export.types';
import { StagingArea } from '../import/staging';
import { TableResult } from '../import/import.types';
import { SYNC_PROTOCOL_HEADER, SYNC_PROTOCOL_VERSION } from '../shared/protocol';
import { ApplyStep } from './apply-step';
import { FetchResult, FetchStep } from './fetch-step';
import { RecordingStorage } from '../../recordings/storage/recording-storage';
import { PeerCallError, PeerConnection, PeerConnector, PeerTarget } from './peer.port';
import { ProgressTracker } from './progress';
import { DEFAULT_RETRY, withRetry } from './retry';
import { SyncLogRow, SyncLogs } from './sync-logs';
import { summarize, SyncSummary } from './sync-summary';

export interface SagaDeps {
  connector: PeerConnector;
  logs: SyncLogs;
  catalog: SyncCatalog;
  apply: ApplyStep;
  store: RecordingStorage;
  dataSource: DataSource;
  config: AppConfig;
  stagingRoot: string;
}

export interface SagaJob {
  log: SyncLogRow;
  peer: PeerTarget;
  kind: 'pull' | 'preview';
  /** Cursor of the last completed pull from this peer (undefined: first pull, full window). */
  cursor?: string;
  lastApplyXid: string;
  progress: ProgressTracker;
  signal: AbortSignal;
}

export interface SagaOutcome {
  manifest: SyncManifest;
  summary: SyncSummary;
}

/**
 * The SyncSaga: one pull (or honest preview) as a persisted process: connect → manifest → fetch
 * to staging → apply in ONE transaction (with the sync log and the new cursor) → clean up. Its
 * state lives in sync_logs; a failure at any point leaves the node's data as it was.
 */
export class SyncSaga {
  private readonly logger = new Logger(SyncSaga.name);

  constructor(private readonly deps: SagaDeps) {}

  async run(job: SagaJob): Promise<SagaOutcome> {
    const { deps } = this;
    let staging = StagingArea.create(deps.stagingRoot, job.log.id);
    let fetched: FetchResult | undefined;
    let phase: 'fetch' | 'apply' = 'fetch';
    const started = Date.now();
    try {
      let manifest: SyncManifest;
      // A window the source no longer holds (it restarted, or the window idled out) is fetched again
      // from a fresh manifest, once; what was staged for the old window is dropped.
      for (let attempt = 1; ; attempt++) {
        try {
          ({ manifest, fetched } = await this.fetch(job, staging));
          break;
        } catch (error) {
          if (attempt >= 2 || !isWindowExpired(error) || job.signal.aborted) throw error;
          this.logger.warn(`sync ${job.log.id}: the peer released the export window; fetching again`);
          await staging.remove();
          staging = StagingArea.create(deps.stagingRoot, job.log.id);
        }
      }

      phase = 'apply';
      job.progress.phase('applying', { aggregate: null, table: null });
      await deps.logs.updateProgress(job.log.id, 'applying', job.progress.snapshot());
      const fileLocators = new Map(fetched.files.map((f) => [f.sha256, deps.store.locator(f.sha256)]));
      const summaryOf = (results: TableResult[]) => summarize(results, fetched!, Date.now() - started, (t) => deps.catalog.aggregateOf(t));
      const tables: TableResult[] = await deps.apply.run({
        staging,
        syncLogId: job.log.id,
        peerRegistryId: job.peer.registryId,
        peerProtocolId: manifest.protocolNodeId ?? job.peer.name,
        lastApplyXid: job.lastApplyXid,
        localNodeId: localNodeUuid(deps.config.node.nodeId),
        fileLocators,
        signal: job.signal,
        dryRun: job.kind === 'preview',
        onTableApplied: (r) => job.progress.appliedRows(r.received, r.table),
        // Commits with the data: the log says completed exactly when the rows and the cursor are in.
        beforeCommit: async (runner, results) => {
          const summary = summaryOf(results);
          await deps.logs.complete(runner, job.log.id, {
            cursorTo: manifest.window!.nextCursor,
            lastSyncedAt: manifest.generatedAt,
            entitiesReceived: summary.entitiesReceived,
            counts: summary,
            progress: { ...job.progress.snapshot(), state: 'completed', phase: 'done', percent: 100 },
          });
        },
      });
      const summary = summaryOf(tables);
      job.progress.finish('completed');
      if (job.kind === 'preview') {
        await deps.logs.finishPreview(job.log.id, summary, job.progress.snapshot());
        await this.collectGarbage(fetched.storedFiles);
      }
      await staging.remove();
      return { manifest, summary };
    } catch (error) {
      const failure = describeFailure(error, job.signal);
      const status = phase === 'apply' ? 'rolled_back' : 'failed';
      this.logger.warn(`sync ${job.log.id} from ${job.peer.name} ${status}: ${failure.code} ${failure.message}`);
      job.progress.finish(status, failure);
      await deps.logs.fail(job.log.id, status, failure.code, failure.message, job.progress.snapshot()).catch(() => undefined);
      await staging.remove();
      await this.collectGarbage(fetched?.storedFiles ?? []);
      throw toAppError(failure, error);
    }
  }

  /** Connect, manifest, and every page and file of the window to staging; the connection is closed after. */
  private async fetch(job: SagaJob, staging: StagingArea): Promise<{ manifest: SyncManifest; fetched: FetchResult }> {
    const { deps } = this;
    job.progress.phase('connecting');
    const connection = await deps.connector.connect(job.peer, job.signal);
    try {
      job.progress.phase('manifest');
      const manifest = await this.manifest(connection, job);
      await deps.logs.updateProgress(job.log.id, 'fetching', job.progress.snapshot());
      const fetchStep = new FetchStep(connection, staging, deps.store, job.progress, {
        pageSize: deps.config.sync.pullPageSize,
        retry: { ...DEFAULT_RETRY, attempts: deps.config.sync.retryAttempts },
        signal: job.signal,
      });
      const fetched = await fetchStep.run(manifest, (route) => feedTables(deps.catalog.feed(route)!));
      return { manifest, fetched };
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private async manifest(connection: PeerConnection, job: SagaJob): Promise<SyncManifest> {
    const manifest = await withRetry(
      () =>
        connection.invoke<SyncManifest>('POST', '/api/sync/manifest', job.cursor ? { cursor: job.cursor } : {}, {
          [SYNC_PROTOCOL_HEADER]: SYNC_PROTOCOL_VERSION,
        }),
      { ...DEFAULT_RETRY, attempts: this.deps.config.sync.retryAttempts },
      job.signal,
    );
    if (!manifest || typeof manifest !== 'object' || !manifest.window || !Array.isArray(manifest.feeds)) {
      throw new AppError(409, 'ERR_PROTOCOL_MISMATCH', `peer ${job.peer.name} did not open a change-feed window (a reference node without protocol ${SYNC_PROTOCOL_VERSION}?)`);
    }
    const ours = this.deps.dataSource.migrations.at(-1)?.name;
    if (manifest.schemaVersion !== ours) {
      throw new AppError(409, 'ERR_SCHEMA_MISMATCH', `peer ${job.peer.name} has schema ${manifest.schemaVersion}, this node ${ours}; upgrade the older node first`, {
        details: { peerSchemaVersion: manifest.schemaVersion, localSchemaVersion: ours },
      });
    }
    const totals = manifest.feeds.reduce((t, f) => ({ rows: t.rows + f.rows + f.tombstones, bytes: t.bytes + f.bytes }), { rows: 0, bytes: 0 });
    job.progress.totals(totals.rows, totals.bytes, manifest.files?.count ?? 0, manifest.files?.totalBytes ?? 0);
    return manifest;
  }

  /** Deletes content this pull stored that no committed row references. */
  private async collectGarbage(hashes: string[]): Promise<void> {
    for (const sha of hashes) {
      const [{ used }]: { used: boolean }[] = await this.deps.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM record_channel WHERE file_sha256 = $1) AS used`,
        [sha],
      );
      if (!used) await this.deps.store.delete(sha).catch(() => undefined);
    }
  }
}

interface Failure {
  code: string;
  message: string;
}

function isWindowExpired(error: unknown): boolean {
  return (error instanceof PeerCallError || error instanceof AppError) && error.code === 'ERR_WINDOW_EXPIRED';
}

function describeFailure(error: unknown, signal: AbortSignal): Failure {
  if (signal.aborted) return { code: 'ERR_SYNC_CANCELLED', message: 'the pull was cancelled' };
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof PeerCallError && error.status === 403) {
    return { code: 'ERR_INSUFFICIENT_CAPABILITY', message: `the peer refused: ${error.message} (pulling needs a ReadWrite or Admin grant from the peer)` };
  }
  if (error instanceof PeerCallError) return { code: error.code, message: error.message };
  const pg = error as { code?: string; message?: string; detail?: string; table?: string };
  if (typeof pg?.code === 'string' && /^[0-9A-Z]{5}$/.test(pg.code)) {
    return { code: 'ERR_APPLY_FAILED', message: `applying the peer's data failed (${pg.code}): ${pg.message}${pg.detail ? ` — ${pg.detail}` : ''}` };
  }
  return { code: 'ERR_SYNC_FAILED', message: (error as Error)?.message ?? String(error) };
}

function toAppError(failure: Failure, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = failure.code === 'ERR_INSUFFICIENT_CAPABILITY' ? 403 : failure.code === 'ERR_SYNC_CANCELLED' ? 409 : 502;
  return new AppError(status, failure.code, failure.message, { cause: error });
}
