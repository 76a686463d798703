import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { isUuid } from '../../core/uuid';

/** PostgreSQL advisory lock key: one sync job per database at a time ("PRSM"). */
const SYNC_LOCK_KEY = 0x5052534d;
/** The holder's connection is named after its job, so any replica can say which job holds the lock. */
const OWNER_PREFIX = 'prism-sync:';

/** A held lock: the connection that holds it. */
export type SyncLockHandle = QueryRunner;

/**
 * One sync job per database at a time: a session-level advisory lock, so every replica of the
 * node sees the same lock, and a crashed holder's lock goes with its connection. The holder's
 * connection carries its job id (`application_name`) from before the lock is taken, so the job
 * holding it can be named even before its sync_logs row exists.
 */
@Injectable()
export class SyncLock {
  constructor(private readonly dataSource: DataSource) {}

  /** The lock for `owner` (a job id, or a word such as "recovery"), or undefined when another holds it. */
  async tryAcquire(owner: string): Promise<SyncLockHandle | undefined> {
    return this.acquire(owner, 'pg_try_advisory_lock($1)');
  }

  /** Like tryAcquire, but waits up to `ms` for the holder to release it. */
  async acquireWithin(owner: string, ms: number): Promise<SyncLockHandle | undefined> {
    return this.acquire(owner, 'pg_advisory_lock($1) IS NOT NULL', ms);
  }

  /** The job id the lock's holder announced (undefined: free, or held by something that is not a job). */
  async owner(): Promise<string | undefined> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1::oid AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [SYNC_LOCK_KEY],
    );
    const name = rows[0]?.name ?? '';
    const id = name.startsWith(OWNER_PREFIX) ? name.slice(OWNER_PREFIX.length) : '';
    return isUuid(id) ? id : undefined;
  }

  async release(handle: SyncLockHandle): Promise<void> {
    // One statement: the lock goes, and the connection, back to the pool, no longer speaks for a job
    // (its application_name is reset to the session's own, as RESET would).
    await handle
      .query(`SELECT pg_advisory_unlock($1), set_config('application_name', s.reset_val, false) FROM pg_settings s WHERE s.name = 'application_name'`, [SYNC_LOCK_KEY])
      .catch(() => undefined);
    await handle.release().catch(() => undefined);
  }

  /**
   * One statement: the connection's name (and the wait's lock_timeout) are set in the subquery, which
   * yields its row before `lock` (a boolean expression of the key, $1) is evaluated on it — the
   * holder is named before it holds the lock.
   */
  private async acquire(owner: string, lock: string, waitMs?: number): Promise<SyncLockHandle | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let locked = false;
    try {
      const timeout = waitMs === undefined ? '' : `, set_config('lock_timeout', $3, false)`;
      const params: unknown[] = [SYNC_LOCK_KEY, `${OWNER_PREFIX}${owner}`];
      if (waitMs !== undefined) params.push(`${Math.max(1, Math.round(waitMs))}ms`);
      [{ locked }] = (await runner.query(`SELECT ${lock} AS locked FROM (SELECT set_config('application_name', $2, false)${timeout}) named`, params)) as { locked: boolean }[];
    } catch (error) {
      // 55P03: lock_timeout passed while waiting.
      if ((error as { code?: string }).code !== '55P03') {
        await this.release(runner);
        throw error;
      }
    } finally {
      if (waitMs !== undefined) await runner.query('RESET lock_timeout').catch(() => undefined);
    }
    if (locked) return runner;
    await this.release(runner);
    return undefined;
  }
}
