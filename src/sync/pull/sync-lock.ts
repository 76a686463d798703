import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';

/** PostgreSQL advisory lock key: one sync job per database at a time ("PRSM"). */
const SYNC_LOCK_KEY = 0x5052534d;

/** A held lock: the connection that holds it. */
export type SyncLockHandle = QueryRunner;

/**
 * One sync job per database at a time: a session-level advisory lock, so every replica of the
 * node sees the same lock, and a crashed holder's lock goes with its connection.
 */
@Injectable()
export class SyncLock {
  constructor(private readonly dataSource: DataSource) {}

  /** The lock, or undefined when another job holds it. */
  async tryAcquire(): Promise<SyncLockHandle | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const [{ locked }]: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SYNC_LOCK_KEY]);
    if (locked) return runner;
    await runner.release();
    return undefined;
  }

  async release(handle: SyncLockHandle): Promise<void> {
    await handle.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK_KEY]).catch(() => undefined);
    await handle.release().catch(() => undefined);
  }
}
