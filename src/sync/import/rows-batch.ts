import { QueryRunner } from 'typeorm';
import { TableModel } from '../../core/sync-kernel/table-model';
import { AppError } from '../../core/errors/app-error';
import { ApplyContext, TableResult } from './import.types';

/**
 * The per-table statements of a small pull sent together (issue 18): a 1 % change writes a few
 * rows into each of ~30 tables, one `applyRowsSql` (+ its natural-key archives) per table, and a
 * round trip with the driver's parse/bind/execute per statement cost more than most of them. The
 * statements of consecutive tables that need nothing between them (no tombstones, no full resync:
 * see ImportEngine.applyTable) are queued and run in ONE simple-protocol query, in the apply
 * order, in the same transaction: PostgreSQL runs them one after another exactly as separate
 * statements (each sees what the ones before it wrote); the first failure aborts the rest and the
 * transaction. The simple protocol takes no parameters, so the statements' parameters are inlined
 * here — only values this node made and that are checked for their exact shape (uuids, an xid);
 * the one text the peer chose (its protocol id, the origin of rows that arrive without one) is a
 * transaction setting bound as a parameter at begin (`PEER_ORIGIN_SETTING`), never SQL text.
 */

/** The transaction setting that holds the peer's protocol id for the batched statements ($5). */
export const PEER_ORIGIN_SETTING = 'prism.sync_peer_origin';

/** A queued table: its statements (in order) and the result they fill. */
interface QueuedTable {
  result: TableResult;
  /** applyRowsSql, then one archiveNaturalKeyCollisionsSql per natural key. */
  statements: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const XID = /^\d{1,20}$/;

/**
 * The literal SQL of each parameter of the apply's row statements ($1 sync log, $2 peer, $3 last
 * apply xid, $4 local node id, $5 peer origin, $6/$7 file hashes and locators), or undefined when
 * a value is not of its expected shape (the statements then run one by one with bound parameters).
 * $6/$7 only as empty arrays: a table whose rows name files the pull stored is not batched.
 */
export function inlinedApplyParams(ctx: ApplyContext, localNodeId: string): Map<string, string> | undefined {
  if (!UUID.test(ctx.syncLogId) || !UUID.test(ctx.peerRegistryId) || !UUID.test(localNodeId) || !XID.test(ctx.lastApplyXid)) return undefined;
  if (!ctx.peerProtocolId) return undefined;
  return new Map([
    ['$1', `'${ctx.syncLogId}'`],
    ['$2', `'${ctx.peerRegistryId}'`],
    ['$3', `'${ctx.lastApplyXid}'`],
    ['$4', `'${localNodeId}'`],
    ['$5', `current_setting('${PEER_ORIGIN_SETTING}')`],
    ['$6', `'{}'`],
    ['$7', `'{}'`],
  ]);
}

/** `sql` with its $1…$7 replaced by `params`' literals; throws if a parameter is left (a bug, not input). */
export function inlineParams(sql: string, params: Map<string, string>): string {
  const inlined = sql.replace(/\$[1-9]\d*\b/g, (p) => {
    const literal = params.get(p);
    if (literal === undefined) throw new Error(`no inlined value for ${p}`);
    return literal;
  });
  return inlined;
}

/**
 * Staged rows up to which a table's statements are queued, and up to which a queue holds rows: a
 * big table's statement is its own round trip anyway, and the progress (ETA) hears of a queued
 * table only when its queue is flushed, so a big pull keeps reporting table by table.
 */
export const BATCH_TABLE_ROWS = 5_000;
export const BATCH_ROWS = 20_000;

/** Whether a table's row statements may be queued: the caller checked the rest (no tombstones, no resync). */
export function batchableTable(ctx: ApplyContext, model: TableModel): boolean {
  // COPY pages count their rows as staged; JSON pages (older peers) go one by one.
  const rows = ctx.staging.copyColumns(model.table) ? ctx.staging.copyRows(model.table) : undefined;
  return ctx.inlinedParams !== undefined && (ctx.fileLocators.size === 0 || !model.files) && rows !== undefined && rows <= BATCH_TABLE_ROWS;
}

/** The queue of an apply's batched tables (on its context). */
export class RowsBatch {
  private queued: QueuedTable[] = [];
  private rows = 0;

  /** Whether a table of `rows` staged rows still fits in the queue (else flush it first). */
  fits(rows: number): boolean {
    return this.rows + rows <= BATCH_ROWS;
  }

  /** Queues a table's statements (with their parameters already inlined) for its `rows` staged rows; its result is filled by `flush`. */
  add(result: TableResult, statements: string[], rows: number): void {
    this.queued.push({ result, statements });
    this.rows += rows;
  }

  get size(): number {
    return this.queued.length;
  }

  /**
   * Runs every queued statement in one round trip, fills the queued results from their answers
   * (the applyRowsSql counts, the natural-key archives' row counts) and reports each table applied.
   */
  async flush(runner: QueryRunner, ctx: ApplyContext): Promise<void> {
    const queued = this.queued;
    if (queued.length === 0) return;
    this.queued = [];
    this.rows = 0;
    if (ctx.signal?.aborted) throw new AppError(409, 'ERR_SYNC_CANCELLED', 'the pull was cancelled');
    const answers = await simpleQuery(runner, queued.flatMap((t) => t.statements));
    let at = 0;
    for (const table of queued) {
      fillRowsResult(table.result, answers[at].rows[0] as unknown as RowsCounts, ctx);
      for (let i = 1; i < table.statements.length; i++) table.result.conflicts += answers[at + i].rowCount ?? 0;
      at += table.statements.length;
      ctx.onTableApplied?.(table.result);
    }
  }
}

/**
 * Statements without parameters in ONE round trip (the simple protocol takes several), on the
 * runner's connection (inside its transaction); answers each statement's result, in order.
 */
export async function simpleQuery(runner: QueryRunner, statements: string[]): Promise<PgResult[]> {
  const client = (runner as unknown as { databaseConnection: { query(sql: string): Promise<PgResult | PgResult[]> } }).databaseConnection;
  const answer = await client.query(statements.join(';\n'));
  return Array.isArray(answer) ? answer : [answer];
}

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** What applyRowsSql answers. */
export interface RowsCounts {
  received: number;
  future: number;
  deleted: number;
  orphans: number;
  conflicts: number;
  inserted: number;
  updated: number;
  /** Rows whose foreign keys the check before the commit must see (keysToCheckSql). */
  checked: number;
}

/**
 * A table's result from applyRowsSql's counts (the one place both paths read them); the rows whose
 * foreign keys ImportEngine.finish checks are added up per table on the context.
 */
export function fillRowsResult(result: TableResult, applied: RowsCounts, ctx: ApplyContext): void {
  (ctx.foreignKeyRows ??= new Map()).set(result.table, (ctx.foreignKeyRows.get(result.table) ?? 0) + applied.checked);
  result.received = applied.received;
  result.skippedFuture += applied.future;
  result.skippedDeleted = applied.deleted;
  result.skippedOrphans = applied.orphans;
  result.conflicts += applied.future + applied.conflicts + applied.orphans;
  result.inserted = applied.inserted;
  result.updated = applied.updated;
  result.unchanged = result.received - result.inserted - result.updated - result.skippedDeleted - result.skippedOrphans - applied.future;
}
