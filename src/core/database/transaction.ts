import { DataSource, QueryRunner } from 'typeorm';

export interface TransactionOptions {
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
  readOnly?: boolean;
  /** Roll back even when `work` succeeds (an honest preview: everything ran, nothing stays). */
  rollback?: boolean;
}

/**
 * The one helper for code that opens its own transaction on a connection of its own (raw SQL on a
 * QueryRunner, not TypeORM's entity manager): BEGIN, `work`, then COMMIT (or ROLLBACK when asked or
 * when `work` throws); the connection is always released.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`BEGIN ISOLATION LEVEL ${options.isolation ?? 'READ COMMITTED'}${options.readOnly ? ' READ ONLY' : ''}`);
    let result: T;
    try {
      result = await work(runner);
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await runner.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
    return result;
  } finally {
    await runner.release();
  }
}

/** A REPEATABLE READ, READ ONLY transaction: one consistent snapshot for every statement of `work`. */
export function inSnapshot<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  return inTransaction(dataSource, work, { isolation: 'REPEATABLE READ', readOnly: true });
}
