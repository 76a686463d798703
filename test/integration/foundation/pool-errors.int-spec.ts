import { Logger, LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { testConfig } from '../../../src/config';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { eventually } from '../../support/eventually';

/**
 * An idle pooled connection the server closes (Ctrl-C in a terminal reaches the embedded
 * PostgreSQL too, a restart, pg_terminate_backend) is a warning in the node's JSON log, not
 * TypeORM's plain "Postgres pool raised an error" line on stderr.
 */
describe('pool errors (src/database/typeorm-options.ts)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const lines: Array<{ level: string; message: string; context?: string }> = [];
  const capture = (level: string) => (message: unknown, ...params: unknown[]) => void lines.push({ level, message: String(message), context: params.at(-1) as string });
  const logger: LoggerService = { log: capture('log'), warn: capture('warn'), error: capture('error'), debug: capture('debug'), verbose: capture('verbose') };

  beforeAll(async () => {
    db = await createTestDatabase('pool_errors');
    ds = await new DataSource(typeOrmOptions(testConfig(), db.url)).initialize();
    Logger.overrideLogger(logger);
  });
  afterAll(async () => {
    Logger.overrideLogger(false);
    await ds?.destroy();
    await db?.drop();
  });

  it('logs a closed idle connection as one warning of the Database context', async () => {
    const [{ pid }] = (await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
    const other = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    try {
      await other.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await other.destroy();
    }
    const database = () => lines.filter((line) => line.context === 'Database');
    await eventually('the pool error is logged', async () => (database().length > 0 ? true : undefined), 20);
    expect(database()).toEqual([
      { level: 'warn', message: 'a pooled database connection was closed: terminating connection due to administrator command', context: 'Database' },
    ]);
    // The pool replaced the connection.
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
