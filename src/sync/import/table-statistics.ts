import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { q } from '../../core/sync-kernel/sql';
import { TableResult } from './import.types';

/** Rows a pull must insert into a table before its statistics are refreshed at once. */
const MIN_INSERTED = 1_000;
/** …and their share of the rows the table's statistics counted (autovacuum analyzes from 10 % changed). */
const MIN_GROWTH = 0.2;

/**
 * Statistics of the tables a pull filled: right after a pull that filled a table from empty (a
 * first pull) or grew it a lot, its statistics still say what it was (empty, or never analyzed)
 * until autovacuum gets to it, up to a minute later; a pull in that time plans its merge on them
 * (scans where key probes are right, ~0.5 s more per pull at 1M rows). So the tables are analyzed
 * at once, after the commit: in the background (the pull does not wait), one table at a time
 * (a burst of pulls queues its tables, never runs ANALYZEs side by side), errors logged only
 * (autovacuum does the same later). An ANALYZE holds SHARE UPDATE EXCLUSIVE: a next apply's lock
 * waits for the table being analyzed, as it would for autovacuum's.
 */
@Injectable()
export class TableStatistics implements OnApplicationShutdown {
  private readonly logger = new Logger(TableStatistics.name);
  /** Rows inserted per table since its last refresh here. */
  private readonly pending = new Map<string, number>();
  private running?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  /** After an apply committed: its tables with many new rows are analyzed in the background. */
  afterApply(results: readonly TableResult[]): void {
    for (const r of results) if (r.inserted > 0) this.pending.set(r.table, (this.pending.get(r.table) ?? 0) + r.inserted);
    if (![...this.pending.values()].some((n) => n >= MIN_INSERTED)) return;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Waits for the refresh under way (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    this.pending.clear();
    await this.settled();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = [...this.pending].filter(([, n]) => n >= MIN_INSERTED);
      if (due.length === 0) return;
      for (const [table] of due) this.pending.delete(table);
      try {
        // reltuples: what the statistics counted (-1: never analyzed); inserts do not change it.
        const stale: { table: string }[] = await this.dataSource.query(
          `SELECT w.t AS table FROM unnest($1::text[], $2::bigint[]) AS w(t, n) JOIN pg_class c ON c.oid = to_regclass(quote_ident(w.t))
           WHERE c.reltuples < 0 OR w.n > $3 * c.reltuples`,
          [due.map(([t]) => t), due.map(([, n]) => n), MIN_GROWTH],
        );
        for (const { table } of stale) await this.dataSource.query(`ANALYZE ${q(table)}`);
      } catch (error) {
        this.logger.warn(`refreshing the statistics of ${due.map(([t]) => t).join(', ')} failed (autovacuum will): ${(error as Error).message}`);
      }
    }
  }
}
