import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { SyncCompletedEvent, SyncFailedEvent } from '../sync/pull/sync.events';
import { NodeMetrics } from './node-metrics';

/** Feeds the sync metrics from the saga's events. */
@EventsHandler(SyncCompletedEvent, SyncFailedEvent)
export class SyncMetricsHandler implements IEventHandler<SyncCompletedEvent | SyncFailedEvent> {
  constructor(private readonly metrics: NodeMetrics) {}

  handle(event: SyncCompletedEvent | SyncFailedEvent): void {
    if (event instanceof SyncCompletedEvent) this.metrics.syncCompleted(event.kind, event.summary, event.manifest);
    else this.metrics.syncFailed(event.kind, event.code);
  }
}
