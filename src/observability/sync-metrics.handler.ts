import { Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { summaryCounts } from '../../client/src/format';
import { SyncCompletedEvent, SyncFailedEvent } from '../sync/pull/sync.events';
import { NodeMetrics } from './node-metrics';

/**
 * Feeds the sync metrics from the saga's events and writes one structured line per finished job
 * (published inside the job's log context, so the line carries its jobId).
 */
@EventsHandler(SyncCompletedEvent, SyncFailedEvent)
export class SyncMetricsHandler implements IEventHandler<SyncCompletedEvent | SyncFailedEvent> {
  private readonly logger = new Logger('Sync');

  constructor(private readonly metrics: NodeMetrics) {}

  handle(event: SyncCompletedEvent | SyncFailedEvent): void {
    if (event instanceof SyncCompletedEvent) {
      this.metrics.syncCompleted(event.kind, event.summary, event.manifest);
      const { files, durationMs } = event.summary;
      // The totals as the progress, the summaries and /metrics count them (received includes deletions).
      const totals = summaryCounts(event.summary).total;
      this.logger.log({ msg: `${event.kind} completed`, remoteNodeId: event.remoteNodeId, totals, files, durationMs });
    } else {
      this.metrics.syncFailed(event.kind, event.code);
      this.logger.warn({ msg: `${event.kind} failed`, remoteNodeId: event.remoteNodeId, code: event.code });
    }
  }
}
