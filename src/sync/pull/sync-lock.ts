import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { isUuid } from '../../core/uuid';
import { simpleQuery } from '../import/rows-batch';

/** PostgreSQL advisory lock key: one sync job per database at a time ("PRSM"). */
const SYNC_LOCK_KEY = 0x5052534d;
/** The holder's connection is named after its job, so any replica can say which job holds the lock. */
const OWNER_PREFIX = 'prism-sync:';

const TRY_LOCK = 'pg_try_advisory_lock($1)';

/**
 * The unlock, in one statement: the lock goes, and the connection, back to the pool, no longer
 * speaks for a job (its application_name is reset to the session's own, as RESET would).
 */
const UNLOCK_SQL = `SELECT pg_advisory_unlock($1), set_config('application_name', s.reset_val, false) FROM pg_settings s WHERE s.name = 'application_name'`;

/**
 * One statement: the connection's name (and `settings`, e.g. the wait's lock_timeout) are set in
 * the subquery, which yields its row before `lock` (a boolean expression of the key, $1) is
 * evaluated on it — the holder ($2) is named before it holds the lock.
 */
const lockSql = (lock: string, settings = '') => `SELECT ${lock} AS locked FROM (SELECT set_config('application_name', $2, false)${settings}) named`;

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
    return this.acquire(owner, TRY_LOCK);
  }

  /**
   * tryAcquire, and in the same round trip `read` (a statement without parameters), run once the
   * lock is held: its own snapshot sees whatever the previous holder committed before it released
   * the lock. Its rows, with the lock; undefined (rows dropped) when another holds the lock.
   */
  async tryAcquireReading<T>(owner: string, read: string): Promise<{ lock: SyncLockHandle; rows: T[] } | undefined> {
    // Inlined: the simple protocol that carries two statements takes no parameters.
    if (!/^[\w-]{1,64}$/.test(owner)) throw new Error(`sync lock owner ${owner} is not a word`);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const lock = lockSql(TRY_LOCK).replace('$1', String(SYNC_LOCK_KEY)).replace('$2', `'${OWNER_PREFIX}${owner}'`);
      const [[{ locked }], rows] = (await simpleQuery(runner, [lock, read])).map((r) => r.rows);
      if (locked === true) return { lock: runner, rows: rows as T[] };
    } catch (error) {
      await this.release(runner);
      throw error;
    }
    await this.release(runner);
    return undefined;
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
    await handle.query(UNLOCK_SQL, [SYNC_LOCK_KEY]).catch(() => undefined);
    await handle.release().catch(() => undefined);
  }

  /**
   * `write` (one statement without parameters) committed, THEN the lock released, in one round trip
   * (a pull with nothing to do ends with its row and the unlock): the simple protocol runs the
   * statements in order, the write in a transaction of its own that commits before the unlock, so
   * whoever takes the lock next reads it. Answers the write's rows. When anything fails the lock is
   * still held (or the connection is broken, which ends it): the write's transaction is rolled back
   * and the caller releases the lock as usual.
   */
  async releaseAfter<T>(handle: SyncLockHandle, write: string): Promise<T[]> {
    let rows: T[];
    try {
      const results = await simpleQuery(handle, ['BEGIN', write, 'COMMIT', UNLOCK_SQL.replace('$1', String(SYNC_LOCK_KEY))]);
      if (results.length !== 4) throw new Error(`releaseAfter: ${results.length} results for 4 statements (the write must be one statement)`);
      rows = results[1].rows as T[];
    } catch (error) {
      // An error leaves the explicit transaction open (aborted): closed here, or the unlock would fail.
      await handle.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await handle.release().catch(() => undefined);
    return rows;
  }

  /** The lock in one statement (lockSql). */
  private async acquire(owner: string, lock: string, waitMs?: number): Promise<SyncLockHandle | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let locked = false;
    try {
      const timeout = waitMs === undefined ? '' : `, set_config('lock_timeout', $3, false)`;
      const params: unknown[] = [SYNC_LOCK_KEY, `${OWNER_PREFIX}${owner}`];
      if (waitMs !== undefined) params.push(`${Math.max(1, Math.round(waitMs))}ms`);
      [{ locked }] = (await runner.query(lockSql(lock, timeout), params)) as { locked: boolean }[];
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
