import { DataSource } from 'typeorm';
import { SYNC_SPECS } from '../../src/aggregates';
import { AggregateSpec } from '../../src/core/sync-kernel/aggregate-spec';
import { buildCatalog, SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { ALL_ENTITIES } from '../../src/database/entities';

/** Entity metadata without a database connection (the catalog needs metadata only). */
export async function metadataOnly(entities: Function[] = ALL_ENTITIES): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', entities });
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return dataSource;
}

/** The node's sync catalog from entity metadata alone: for the unit tier, no database. */
export async function metadataCatalog(specs: readonly AggregateSpec[] = SYNC_SPECS, entities?: Function[]): Promise<SyncCatalog> {
  return buildCatalog(await metadataOnly(entities), specs);
}
