import { DataSource } from 'typeorm';
import { SYNC_SPECS } from '../../../src/aggregates';
import { buildCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { ALL_ENTITIES } from '../../../src/database/entities';
import { NodeMetrics } from '../../../src/observability/node-metrics';
import { emptyTableResult } from '../../../src/sync/import/import.types';

/** The counters a committed pull adds, read from the Prometheus text as an operator's scrape sees it. */
describe('NodeMetrics', () => {
  let metrics: NodeMetrics;
  beforeAll(async () => {
    // Entity metadata only: the catalog needs no connection.
    const dataSource = new DataSource({ type: 'postgres', entities: ALL_ENTITIES });
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    metrics = new NodeMetrics(buildCatalog(dataSource, SYNC_SPECS));
  });

  it('counts a pull’s rows per aggregate as the summaries do: received includes the deletions', async () => {
    const volunteer = { ...emptyTableResult('volunteer'), received: 2, updated: 2 };
    const annotation = { ...emptyTableResult('session_annotation'), received: 1, inserted: 1, tombstonesReceived: 1, deleted: 1 };
    const summary = {
      tables: [volunteer, annotation],
      totals: { received: 3, inserted: 1, updated: 2, unchanged: 0, deleted: 1, conflicts: 0 },
      entitiesReceived: {},
      files: { referenced: 0, downloaded: 0, alreadyPresent: 0, bytesDownloaded: 0 },
      durationMs: 500,
    };
    metrics.syncCompleted('pull', summary);
    const text = await metrics.registry.metrics();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('prism_sync_rows_total{aggregate="sessions",operation="received"}')).toBe(2);
    expect(value('prism_sync_rows_total{aggregate="sessions",operation="deleted"}')).toBe(1);
    expect(value('prism_sync_rows_total{aggregate="volunteers",operation="received"}')).toBe(2);
  });
});
