import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { PeriodicTask } from '../../core/periodic-task';
import { inTransaction } from '../../core/database/transaction';
import { AppError } from '../../core/errors/app-error';
import { timestampText } from '../../core/sync-kernel/sql';

export interface Horizon {
  /** change_xid of the newest purged tombstone. */
  purgedXid: string;
  /** Deletes before this time are no longer passed on. */
  purgedBefore: string;
}

/**
 * Tombstones are not kept forever: every SYNC_TOMBSTONE_PURGE_MINUTES those older than
 * SYNC_TOMBSTONE_RETENTION_DAYS are purged and the horizon (the newest purged change) recorded. A
 * peer whose change-feed cursor does not reach past the horizon might miss a delete, so its window
 * is refused with ERR_BEHIND_HORIZON — never a silent divergence — and it resyncs fully.
 */
@Injectable()
export class TombstoneHorizon implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TombstoneHorizon.name);
  private readonly ticker = new PeriodicTask('tombstone purge', this.logger);

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sync.tombstoneRetentionDays > 0) this.ticker.start(this.config.sync.tombstonePurgeMinutes * 60_000, () => this.purge());
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** Purges the tombstones older than the retention; returns how many went. */
  async purge(): Promise<number> {
    const days = this.config.sync.tombstoneRetentionDays;
    if (days === 0) return 0;
    return inTransaction(this.dataSource, async (runner) => {
      const [gone]: { n: number; xid: string | null; before: string }[] = await runner.query(
        `WITH cutoff AS (SELECT clock_timestamp() - make_interval(days => $1) AS at),
         gone AS (DELETE FROM tombstones t USING cutoff WHERE t.deleted_at < cutoff.at RETURNING t.change_xid)
         SELECT count(*)::int AS n, max(change_xid)::text AS xid, (SELECT ${timestampText('at')} FROM cutoff) AS before FROM gone`,
        [days],
      );
      if (gone.n === 0) return 0;
      await runner.query(
        `INSERT INTO sync_horizon (id, purged_xid, purged_before, purge_snapshot, purged_at)
         VALUES (1, $1::bigint, $2::timestamptz, pg_current_snapshot()::text, clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET purged_xid = greatest(sync_horizon.purged_xid, EXCLUDED.purged_xid),
           purged_before = greatest(sync_horizon.purged_before, EXCLUDED.purged_before),
           purge_snapshot = EXCLUDED.purge_snapshot, purged_at = EXCLUDED.purged_at`,
        [gone.xid, gone.before],
      );
      this.logger.log(`purged ${gone.n} tombstones of deletes before ${gone.before}`);
      return gone.n;
    });
  }

  async horizon(): Promise<Horizon | undefined> {
    const [row]: Horizon[] = await this.dataSource.query(
      `SELECT purged_xid::text AS "purgedXid", ${timestampText('purged_before')} AS "purgedBefore" FROM sync_horizon WHERE id = 1`,
    );
    return row;
  }

  /**
   * Refuses a cursor (the pg_snapshot of the peer's previous window) that may not have seen every
   * purged tombstone (HORIZON_REACH_SQL), read on `runner` (in its snapshot: the window's) or the pool.
   */
  async assertReachable(previousSnapshot: string, runner?: QueryRunner): Promise<void> {
    const [reach]: HorizonReach[] = await (runner ?? this.dataSource).query(HORIZON_REACH_SQL, [previousSnapshot]);
    assertReached(reach);
  }
}

/** The horizon as a cursor meets it (HORIZON_REACH_SQL); none before the first purge. */
export type HorizonReach = Horizon & { reachable: boolean };

/**
 * The horizon and whether a cursor ($1, the pg_snapshot of the peer's previous window) has seen
 * every purged tombstone: it has if it is past the newest one (its xmin is), or if it sees
 * everything the latest purge's snapshot saw (taken after the purge: a transaction still open
 * elsewhere on the server holds xmin back, and must not make a fresh full resync look behind
 * again). To be read in the snapshot the answer to the cursor comes from: a purge committed after
 * it has not removed anything that snapshot sees.
 */
export const HORIZON_REACH_SQL = `SELECT purged_xid::text AS "purgedXid", ${timestampText('purged_before')} AS "purgedBefore",
         purged_xid < pg_snapshot_xmin($1::pg_snapshot)::text::bigint
         OR (purge_snapshot IS NOT NULL AND ${seesEverythingOf('$1::pg_snapshot', 'purge_snapshot::pg_snapshot')}) AS reachable
       FROM sync_horizon WHERE id = 1`;

/** ERR_BEHIND_HORIZON unless the cursor reaches the horizon (`reach`: HORIZON_REACH_SQL's row, none before the first purge). */
export function assertReached(reach: HorizonReach | null | undefined): void {
  if (!reach || reach.reachable) return;
  throw AppError.of(
    'ERR_BEHIND_HORIZON',
    `your last pull from this node is older than its tombstone horizon: deletes before ${reach.purgedBefore} are no longer kept, so an incremental pull could miss some; pull again with a full resync`,
    { details: { purgedBefore: reach.purgedBefore } },
  );
}

/**
 * SQL: every transaction visible in snapshot `earlier` is visible in `later` (later reaches at least
 * as far, and each transaction it still sees running was running or unborn for `earlier` too).
 */
function seesEverythingOf(later: string, earlier: string): string {
  return `pg_snapshot_xmax(${later}) >= pg_snapshot_xmax(${earlier})
    AND NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(${later}) running WHERE running < pg_snapshot_xmax(${earlier}) AND pg_visible_in_snapshot(running, ${earlier}))`;
}
