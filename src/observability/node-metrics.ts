import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { summaryCounts } from '../../client/src/format';
import { SyncCatalog } from '../core/sync-kernel/sync-catalog';
import type { SyncManifest } from '../sync/export/export.types';
import type { SyncSummary } from '../sync/pull/sync-summary';

/**
 * The node's Prometheus metrics, in a registry of its own (two nodes can share a process in
 * tests): sync duration, rows and bytes by aggregate, failures by cause, HTTP and throttled requests.
 */
@Injectable()
export class NodeMetrics {
  readonly registry = new Registry();

  readonly syncDuration = new Histogram({
    name: 'prism_sync_duration_seconds',
    help: 'Duration of finished sync jobs (fetch + apply)',
    labelNames: ['kind'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [this.registry],
  });

  readonly syncJobs = new Counter({ name: 'prism_sync_jobs_total', help: 'Sync jobs by kind and outcome', labelNames: ['kind', 'outcome'], registers: [this.registry] });

  readonly syncRows = new Counter({
    name: 'prism_sync_rows_total',
    help: 'Rows of committed pulls by aggregate and what happened to them (received, deletions included; inserted, updated, deleted, conflicts)',
    labelNames: ['aggregate', 'operation'],
    registers: [this.registry],
  });

  readonly syncBytes = new Counter({
    name: 'prism_sync_bytes_total',
    help: 'Bytes moved by committed pulls: page bytes per aggregate (manifest window) and downloaded recording files ("recordings")',
    labelNames: ['aggregate'],
    registers: [this.registry],
  });

  readonly syncFailures = new Counter({ name: 'prism_sync_failures_total', help: 'Failed, rolled back or cancelled sync jobs by cause (ERR_ code)', labelNames: ['kind', 'cause'], registers: [this.registry] });

  readonly httpRequests = new Counter({ name: 'prism_http_requests_total', help: 'HTTP requests by method and status code', labelNames: ['method', 'status'], registers: [this.registry] });

  readonly throttledRequests = new Counter({ name: 'prism_throttled_requests_total', help: 'Requests refused with 429 by the throttler, by profile (sync or standard)', labelNames: ['profile'], registers: [this.registry] });

  /** The files' label (the reference's "recordings"), when synced rows reference files. */
  private readonly filesLabel: string | undefined;

  constructor(private readonly catalog: SyncCatalog) {
    collectDefaultMetrics({ register: this.registry, prefix: 'prism_' });
    this.filesLabel = catalog.files()?.spec.name;
    // Series exist from the start (0), so dashboards and alerts see them before the first sync.
    const labels = [...catalog.aggregates().map((a) => a.name), ...(this.filesLabel ? [this.filesLabel] : [])];
    for (const aggregate of labels) this.syncBytes.inc({ aggregate }, 0);
    for (const profile of ['sync', 'standard']) this.throttledRequests.inc({ profile }, 0);
  }

  syncCompleted(kind: string, summary: SyncSummary, manifest?: SyncManifest): void {
    this.syncJobs.inc({ kind, outcome: 'completed' });
    this.syncDuration.observe({ kind }, summary.durationMs / 1000);
    if (kind !== 'pull') return;
    // Counted as the CLI and the console count them: received includes the deletions.
    const aggregateOf = (table: string) => (this.catalog.hasTable(table) ? this.catalog.aggregateOf(table) : table);
    for (const [aggregate, counts] of summaryCounts(summary, aggregateOf).byAggregate) {
      for (const operation of ['received', 'inserted', 'updated', 'deleted', 'conflicts'] as const) if (counts[operation] > 0) this.syncRows.inc({ aggregate, operation }, counts[operation]);
    }
    for (const [aggregate, stats] of Object.entries(manifest?.aggregates ?? {})) if (stats) this.syncBytes.inc({ aggregate }, stats.bytes);
    if (this.filesLabel) this.syncBytes.inc({ aggregate: this.filesLabel }, summary.files.bytesDownloaded);
  }

  syncFailed(kind: string, cause: string): void {
    this.syncJobs.inc({ kind, outcome: 'failed' });
    this.syncFailures.inc({ kind, cause });
  }

  httpResponse(method: string, path: string, status: number): void {
    this.httpRequests.inc({ method, status: String(status) });
    if (status === 429) this.throttledRequests.inc({ profile: path.startsWith('/api/sync/') && !isOperatorRoute(path) ? 'sync' : 'standard' });
  }
}

/** The requester-side operator routes live under /api/sync too but use the standard profile. */
function isOperatorRoute(path: string): boolean {
  return /^\/api\/sync\/(preview|pull|jobs|log|conflicts|verify)(\/|\?|$)/.test(path);
}
