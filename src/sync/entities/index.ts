import { SyncConflict } from './sync-conflict.entity';
import { SyncLog } from './sync-log.entity';
import { Tombstone } from './tombstone.entity';

export { SyncConflict, SyncLog, Tombstone };
export type { SyncJobKind, SyncLogStatus } from './sync-log.entity';

/** Sync bookkeeping (not synced itself). */
export const SYNC_ENTITIES: Function[] = [SyncLog, SyncConflict, Tombstone];
