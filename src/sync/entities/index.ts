import { BundlePosition } from './bundle-position.entity';
import { ReferenceWatermark } from './reference-watermark.entity';
import { SyncConflict } from './sync-conflict.entity';
import { SyncHorizon } from './sync-horizon.entity';
import { SyncLog } from './sync-log.entity';
import { SyncSchedule } from './sync-schedule.entity';
import { Tombstone } from './tombstone.entity';

export { BundlePosition, ReferenceWatermark, SyncConflict, SyncHorizon, SyncLog, SyncSchedule, Tombstone };
export type { SyncJobKind, SyncLogStatus } from './sync-log.entity';

/** Sync bookkeeping (not synced itself). */
export const SYNC_ENTITIES: Function[] = [SyncLog, SyncConflict, SyncSchedule, SyncHorizon, Tombstone, ReferenceWatermark, BundlePosition];
