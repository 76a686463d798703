import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { inTransaction } from '../../core/database/transaction';
import { AggregateName } from '../../core/sync-kernel/aggregate-spec';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { SyncBus } from '../cqrs/sync-bus';
import { ImportEngine } from '../import/import-engine';
import { StagingArea } from '../import/staging';
import { ApplyContext, emptyTableResult, TableResult } from '../import/import.types';
import { FetchResult } from './fetch-step';
import { ApplyPreload } from './apply-preload';
import type { PlannedTable } from './progress-model';
import { summarize, SyncSummary } from './sync-summary';

export interface ApplyStepInput extends Omit<ApplyContext, 'runner'> {
  /** Preview: everything runs, then the transaction is rolled back. */
  dryRun: boolean;
  /** Called when every table is in, before the dangling children, the foreign key checks and the COMMIT. */
  onTablesApplied?(): void;
  /** Runs last inside the transaction (sync log completion + cursor), so it commits with the data. */
  beforeCommit?(runner: QueryRunner, results: TableResult[]): Promise<void>;
}

/** A run of consecutive tables of one aggregate in the dependency order. */
export interface ApplyStepPlan {
  aggregate: AggregateName;
  tables: string[];
}

/**
 * Apply: ONE transaction for the whole pull. Tables go in dependency order (from the foreign keys
 * in the catalog), grouped into steps per aggregate, each dispatched to that aggregate's import
 * command on the CommandBus.
 */
@Injectable()
export class ApplyStep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: SyncCatalog,
    private readonly engine: ImportEngine,
    private readonly bus: SyncBus,
  ) {}

  plan(): ApplyStepPlan[] {
    const steps: ApplyStepPlan[] = [];
    for (const table of this.catalog.tables()) {
      const last = steps.at(-1);
      if (last && last.aggregate === table.aggregate) last.tables.push(table.table);
      else steps.push({ aggregate: table.aggregate, tables: [table.table] });
    }
    return steps;
  }

  /**
   * `preload`: the tables the fetch already loaded (ApplyPreload); the transaction then runs on
   * their connection, and begin loads only the rest.
   */
  async run(input: ApplyStepInput, preload?: ApplyPreload): Promise<TableResult[]> {
    const work = async (runner: QueryRunner, preloaded?: ReadonlySet<string>, preloadedUnanalyzed?: ReadonlySet<string>, opensWith?: string) => {
      const context: ApplyContext = { ...input, runner, preloaded, preloadedUnanalyzed, opensWith };
      await this.engine.begin(context);
      const results: TableResult[] = [];
      for (const step of this.plan()) results.push(...(await this.bus.importTables(step.aggregate, step.tables, context)));
      await this.engine.flushRows(context);
      await this.engine.afterTables.applyWaitingOrphans(context, results);
      input.onTablesApplied?.();
      for (const [table, n] of await this.engine.afterTables.removeDanglingChildren(context, results)) {
        const result = results.find((r) => r.table === table)!;
        result.deleted += n;
        result.conflicts += n;
      }
      for (const [table, n] of await this.engine.afterTables.archiveRemovedRows(context)) results.find((r) => r.table === table)!.conflicts += n;
      await this.engine.finish(context, results);
      if (!input.dryRun) await input.beforeCommit?.(runner, results);
      return results;
    };
    const preloaded = await preload?.transaction(input.staging, work, { rollback: input.dryRun });
    return preloaded ?? inTransaction(this.dataSource, (runner) => work(runner), { rollback: input.dryRun });
  }

  /** A preload for a run of this step (ApplyPreload): the fetch hands it each table once staged. */
  preload(signal?: AbortSignal, onLoaded?: (rows: number, ms: number) => void): ApplyPreload {
    return new ApplyPreload(this.dataSource, this.catalog, this.engine, signal, onLoaded);
  }

  /** The tables a run will load rows into, as the progress weighs them (progress-model.ts TABLE_ROWS, NATURAL_KEY_ROWS). */
  stagedTables(staging: StagingArea): PlannedTable[] {
    return this.catalog
      .tables()
      .filter((t) => staging.hasPages(t.table))
      .map((t) => ({ table: t.table, rows: staging.copyColumns(t.table) ? staging.copyRows(t.table) : undefined, naturalKeys: t.naturalKeys?.length ?? 0 }));
  }

  /** Every table's result of a pull that applied nothing (in the apply order, as a run gives them). */
  nothingApplied(): TableResult[] {
    return this.catalog.tables().map((t) => emptyTableResult(t.table));
  }

  /** What the pull did (or a preview would do), per table, aggregate and for files. */
  summarize(results: TableResult[], fetched: FetchResult, durationMs: number): SyncSummary {
    const summary = summarize(results, fetched, durationMs, (t) => this.catalog.aggregateOf(t), this.catalog.files()?.spec.name);
    return fetched.pageFormat ? { ...summary, pageFormat: fetched.pageFormat } : summary;
  }
}
