import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The tombstone horizon (one row): tombstones older than SYNC_TOMBSTONE_RETENTION_DAYS are purged,
 * and a peer whose cursor does not reach past the newest purged one could miss deletes, so its
 * next pull is told ERR_BEHIND_HORIZON and offered a full resync.
 */
@Entity({ name: 'sync_horizon' })
@Check('ck_sync_horizon_single_row', `"id" = 1`)
export class SyncHorizon {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  /** change_xid of the newest tombstone purged so far. */
  @Column({ name: 'purged_xid', type: 'bigint' })
  purgedXid: string;

  /** Deletes before this time are no longer known as tombstones. */
  @Column({ name: 'purged_before', type: 'timestamptz' })
  purgedBefore: Date;

  /**
   * pg_snapshot (text) taken by the latest purge: every purged tombstone is visible in it, so a
   * cursor that sees everything it sees has missed no purged delete (null before this was kept).
   */
  @Column({ name: 'purge_snapshot', type: 'text', nullable: true })
  purgeSnapshot: string | null;

  @Column({ name: 'purged_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  purgedAt: Date;
}
