import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { normalizeToO } from '../../node-trust/crypto/timestamp';
import { timestampText } from '../../core/sync-kernel/sql';
import { ExportWindows } from './export-windows';

/** How long a handed-out reference watermark stays mappable to its change-feed position. */
const WATERMARK_RETENTION = '90 days';

/** What a reference-mode read filters on: the change feed from a known position, else `updated_at > since`. */
export interface ReferenceFilter {
  since: string | null;
  /** Change-feed position `since` stood for (a generatedAt this node issued), or null (unknown since). */
  fromXid: string | null;
}

interface Sequence extends ReferenceFilter {
  /** The caller's `since`, canonical (.NET "O" form), as the key of the sequence. */
  key: string;
  window: string;
  /** Routes whose page 1 this snapshot already served: a second page 1 starts a new pull. */
  started: Set<string>;
}

/**
 * Loss-free paging of the reference's `since`/page protocol (docs/sync.md "Serving reference
 * nodes"). Each caller's pull reads ONE snapshot, held as an export window keyed by the caller:
 * the manifest opens it; every page of every route with the same `since` reads it; a page 1 of a
 * route already served (the caller's next pull) or another `since` opens a new one. Rows are
 * ordered by (updated_at, primary key), unique, so offsets over one snapshot never skip or repeat.
 *
 * Each reference manifest records its `generatedAt` with the snapshot's xmin; a later `since` equal
 * to it reads `change_xid >= xmin` (late commits with an older updated_at included). Any other
 * `since` falls back to `updated_at > since`.
 */
@Injectable()
export class ReferenceSequences {
  private readonly sequences = new Map<string, Sequence>();
  /** Serializes the starts of one caller's sequence per `since` (two first pages at once share one snapshot). */
  private readonly starting = new Map<string, Promise<Sequence>>();

  constructor(
    private readonly windows: ExportWindows,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * A reference client never says it is done: its snapshot goes after a short idle time, since a
   * held snapshot holds back the xmin of the whole database cluster (vacuum, other windows).
   */
  private get windowOptions() {
    return { idleSeconds: this.config.sync.referenceWindowIdleSeconds };
  }

  /**
   * The manifest: a new snapshot for the caller, `describe` run in it (counts), and its
   * `generatedAt` recorded with the change-feed position it stands for.
   */
  async manifest<T>(caller: string, since: string | null, describe: (runner: QueryRunner, filter: ReferenceFilter) => Promise<T>): Promise<{ generatedAt: string; result: T }> {
    const filter = await this.filterFor(since);
    let generatedAt = '';
    let result!: T;
    const opened = await this.windows.open(
      '0',
      this.windowOwner(caller),
      async (runner) => {
        // BEGIN's time: not after the snapshot, so even the `updated_at > since` fallback misses nothing committed before it.
        [{ generatedAt }] = await runner.query(`SELECT ${timestampText('transaction_timestamp()')} AS "generatedAt"`);
        result = await describe(runner, filter);
      },
      this.windowOptions,
    );
    await this.dataSource.query(
      // The window's `to` is its whole pg_snapshot; a reference `since` maps to its xmin.
      `INSERT INTO reference_watermarks (generated_at, from_xid) VALUES ($1::timestamptz, pg_snapshot_xmin($2::pg_snapshot)::text::bigint)
       ON CONFLICT (generated_at) DO UPDATE SET from_xid = least(reference_watermarks.from_xid, EXCLUDED.from_xid)`,
      [generatedAt, opened.window.to],
    );
    await this.dataSource.query(`DELETE FROM reference_watermarks WHERE created_at < clock_timestamp() - interval '${WATERMARK_RETENTION}'`);
    this.sequences.set(caller, { ...filter, key: this.keyOf(since), window: opened.token, started: new Set() });
    return { generatedAt, result };
  }

  /** Runs one page read of `route` in the caller's snapshot for `since` (starting one when needed). */
  async page<T>(caller: string, route: string, since: string | null, page: number, read: (runner: QueryRunner, filter: ReferenceFilter) => Promise<T>): Promise<T> {
    let sequence = this.sequences.get(caller);
    const key = this.keyOf(since);
    if (!sequence || sequence.key !== key || !this.windows.holds(sequence.window) || (page === 1 && sequence.started.has(route))) {
      sequence = await this.start(caller, since, key, sequence);
    }
    sequence.started.add(route);
    const filter: ReferenceFilter = sequence;
    return this.windows.read(sequence.window, (runner) => read(runner, filter));
  }

  private start(caller: string, since: string | null, key: string, stale: Sequence | undefined): Promise<Sequence> {
    const starting = `${caller}|${key}`;
    const pending = this.starting.get(starting);
    if (pending) return pending;
    const started = (async () => {
      const filter = await this.filterFor(since);
      const opened = await this.windows.open('0', this.windowOwner(caller), async () => undefined, this.windowOptions);
      const sequence: Sequence = { ...filter, key, window: opened.token, started: new Set() };
      if (this.sequences.get(caller) === stale) this.sequences.set(caller, sequence);
      return sequence;
    })().finally(() => this.starting.delete(starting));
    this.starting.set(starting, started);
    return started;
  }

  private async filterFor(since: string | null): Promise<ReferenceFilter> {
    if (!since) return { since: null, fromXid: null };
    const rows: { from_xid: string }[] = await this.dataSource.query(`SELECT from_xid::text FROM reference_watermarks WHERE generated_at = $1::timestamptz`, [since]);
    return { since, fromXid: rows[0]?.from_xid ?? null };
  }

  private keyOf(since: string | null): string {
    return since ? (normalizeToO(since) ?? since) : '';
  }

  /** Window owner of a caller's reference reads: one at a time, apart from its window-mode pulls. */
  private windowOwner(caller: string): string {
    return `reference:${caller}`;
  }
}
