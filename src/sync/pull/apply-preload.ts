import { DataSource, QueryRunner } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { ImportEngine } from '../import/import-engine';
import { simpleQuery } from '../import/rows-batch';
import { StagingArea } from '../import/staging';

/**
 * The apply's loading overlapped with the fetch: once every page of a table is staged (its feed
 * moved past it), the table is loaded into its typed temp table (COPY FROM STDIN + ANALYZE) on the
 * connection the apply will use, while other feeds are still fetched. The apply's transaction
 * proper starts only when the fetch has ended (ApplyStep.run): each load runs in a transaction of
 * its own that writes nothing but the session's temp tables, so the apply's xid (local_apply_xid),
 * its snapshot and its lock against local writers (lockAgainstLocalWritesSql) are those of an
 * apply that loaded everything itself; no lock is held during the fetch.
 *
 * Loads run one after another, in the order the tables completed (those that completed while a
 * load ran, together in one transaction). A load that fails (a value
 * PostgreSQL refuses) is reported when the apply starts, as if the apply had loaded it. Whatever
 * happens, end() drops the session's temp tables (DISCARD TEMP) before the connection goes back to
 * the pool: a failed or cancelled pull leaves nothing behind.
 */
export class ApplyPreload {
  private runner?: QueryRunner;
  private queue: Promise<void> = Promise.resolve();
  /** A load that failed, and the staging it loaded from (a staging fetched anew, after a window expired, starts clean). */
  private failure?: { error: unknown; staging?: StagingArea };
  private staging?: StagingArea;
  private readonly tables = new Set<string>();
  /** Loaded without ANALYZE: their target was empty when loaded (the apply analyzes those it must merge into). */
  private readonly unanalyzed = new Set<string>();
  /** Tables whose pages are staged, not loaded yet. */
  private pending: { staging: StagingArea; table: string }[] = [];
  /** Loaded in the transaction under way (kept only once it commits), and whether without ANALYZE. */
  private loadedNow: { table: string; analyzed: boolean }[] = [];
  private ended = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: SyncCatalog,
    private readonly engine: ImportEngine,
    private readonly signal?: AbortSignal,
    /** Each table loaded: its rows and the milliseconds its load took (ApplyContext.onTableLoaded). */
    private readonly onLoaded?: (rows: number, ms: number) => void,
  ) {}

  /** Tables of `staging` whose pages are all staged: loaded in turn (a staging replaced by another, e.g. a window fetched again, drops what was loaded from it). */
  load(staging: StagingArea, tables: string[]): void {
    if (this.failure && this.failure.staging !== staging) this.failure = undefined;
    this.pending.push(...tables.map((table) => ({ staging, table })));
    if (this.pending.length === tables.length) this.queue = this.queue.then(() => this.drain());
  }

  /**
   * Loads what is pending, the tables that completed meanwhile together in one transaction. It
   * writes only the session's temp tables: its commit need not wait for the WAL flush.
   */
  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.ended) {
      // What a failed load's staging still asks for is not loaded (that staging is gone, or its pull fails).
      const batch = this.pending.splice(0, this.pending.length).filter(({ staging }) => !this.failure || this.failure.staging !== staging);
      try {
        for (const { staging } of batch) if (this.staging !== staging) await this.reset(staging);
        const tables = batch.filter(({ staging, table }) => staging === this.staging && !this.tables.has(table) && this.catalog.hasTable(table) && staging.hasPages(table));
        if (tables.length === 0) continue;
        const runner = await this.connection();
        const models = tables.map(({ table }) => this.catalog.table(table));
        // One round trip opens the transaction, creates every temp table of the batch and reads
        // which targets are empty (no parameters: the simple protocol takes several statements).
        // A first pull fills empty tables: nothing to merge, so no statistics of the incoming rows
        // are needed (a hint read without the lock: begin checks again under it).
        try {
          const answers = await simpleQuery(runner, [
            'BEGIN',
            'SET LOCAL synchronous_commit = off',
            ...this.engine.typedTablesSql(this.staging!, models, { session: true }),
            this.engine.emptyNowSql(models),
          ]);
          const empty = new Set(answers.at(-1)!.rows.map((r) => r.table_name as string));
          for (const model of models) {
            if (this.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
            const emptyTarget = empty.has(model.table);
            const started = performance.now();
            if (await this.engine.loadTable(runner, this.staging!, model, { session: true, created: true, emptyTarget })) {
              this.loadedNow.push({ table: model.table, analyzed: !emptyTarget });
              this.onLoaded?.(this.staging!.copyRows(model.table), performance.now() - started);
            }
          }
          await runner.query('COMMIT');
          for (const { table, analyzed } of this.loadedNow) {
            this.tables.add(table);
            if (!analyzed) this.unanalyzed.add(table);
          }
        } catch (error) {
          await runner.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          this.loadedNow = [];
        }
      } catch (error) {
        this.failure = { error, staging: this.staging };
      }
    }
    if (this.ended) this.pending = [];
  }

  /** Tables loaded from `staging` (none when the fetch ended with another staging). */
  loadedFrom(staging: StagingArea): ReadonlySet<string> {
    return this.staging === staging ? this.tables : new Set();
  }

  /**
   * Waits for the loads, then runs `work` in the apply's one transaction on their connection (a
   * load's failure is thrown first), which `work` opens with `opensWith` before anything else; COMMIT,
   * or ROLLBACK when asked or when `work` throws (outside a transaction, a ROLLBACK only warns).
   * Without any load, undefined: the caller opens its own transaction.
   */
  async transaction<T>(
    staging: StagingArea,
    work: (runner: QueryRunner, loaded: ReadonlySet<string>, unanalyzed: ReadonlySet<string>, opensWith: string) => Promise<T>,
    options: { rollback?: boolean },
  ): Promise<T | undefined> {
    await this.queue;
    if (this.failure && this.failure.staging === staging) throw this.failure.error;
    if (!this.runner || this.staging !== staging || this.tables.size === 0) return undefined;
    const runner = this.runner;
    let result: T;
    try {
      // `work` opens the transaction with this statement as its first (ImportEngine.begin: one round trip fewer).
      result = await work(runner, this.tables, this.unanalyzed, 'BEGIN ISOLATION LEVEL READ COMMITTED');
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await runner.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
    return result;
  }

  /** Drops every temp table the loads made and hands the connection back (idempotent; waits for a load under way). */
  async end(): Promise<void> {
    this.ended = true;
    await this.queue;
    const runner = this.runner;
    this.runner = undefined;
    if (!runner) return;
    try {
      await runner.query('DISCARD TEMP');
      await runner.release();
    } catch (error) {
      // A connection in an unknown state is not reused by the pool.
      await (runner as unknown as { releasePostgresConnection(error: Error): Promise<void> }).releasePostgresConnection(error as Error).catch(() => undefined);
    }
  }

  private async connection(): Promise<QueryRunner> {
    if (!this.runner) {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      this.runner = runner;
    }
    return this.runner;
  }

  private async reset(staging: StagingArea): Promise<void> {
    if (this.tables.size > 0 && this.runner) await this.runner.query('DISCARD TEMP');
    this.tables.clear();
    this.unanalyzed.clear();
    this.staging = staging;
  }
}
