import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { localNodeUuid } from '../src/core/local-node';
import { SyncCatalog } from '../src/core/sync-kernel/sync-catalog';
import { q } from '../src/core/sync-kernel/sql';
import { changeRows } from './generate';
import { attachFiles, FileSet, rawHttpCopy } from './files';
import { BenchNode, pull, PullOutcome, RssMonitor } from './nodes';
import { SourceCost, SourceCostSampler } from './process-stats';
import { tracedPull } from './progress-trace';
import { BenchServer } from './pg';
import { CaseResult, median } from './report';

/** What every case of one dataset size works on. */
export interface CaseContext {
  size: string;
  rows: number;
  tableBytes: number;
  requester: BenchNode;
  source: BenchNode;
  /** The source's id in the requester's registry. */
  peer: string;
  requesterDb: Client;
  sourceDb: Client;
  /** The source's database name and a connection of its own for watching it (pg_stat_activity). */
  sourceDatabase: string;
  watcher: Client;
  catalog: SyncCatalog;
  server: BenchServer;
  reps: number;
  log: (line: string) => void;
  /** With --memory-trace: a timestamped mark beside the memory traces (the start and end of a case). */
  mark?: (event: string) => void;
}

/** Runs `fn` while watching both node processes' peak RSS and what it costs the source. */
async function measured<T>(ctx: CaseContext, fn: () => Promise<T>): Promise<{ value: T; rss: number[]; cost: SourceCost }> {
  const [requesterPid, sourcePid] = [ctx.requester.process.pid!, ctx.source.process.pid!];
  const monitor = new RssMonitor([requesterPid, sourcePid]);
  const sampler = new SourceCostSampler(ctx.watcher, ctx.sourceDatabase, sourcePid, requesterPid);
  await sampler.start();
  monitor.start();
  try {
    const value = await fn();
    return { value, rss: monitor.stop(), cost: await sampler.stop() };
  } catch (error) {
    monitor.stop();
    await sampler.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Makes the requester empty again without restarting it: every synced table, the sync history
 * (and with it the cursor), conflicts and tombstones are truncated in one transaction. users
 * references researcher, so it is truncated too and restored (same ids: tokens stay valid).
 */
export async function resetRequester(ctx: CaseContext): Promise<void> {
  const tables = ctx.catalog.tables().map((t) => q(t.table));
  await ctx.requesterDb.query('BEGIN');
  try {
    await ctx.requesterDb.query('CREATE TEMP TABLE bench_saved_users ON COMMIT DROP AS SELECT * FROM users');
    await ctx.requesterDb.query(`TRUNCATE ${[...tables, 'users', 'sync_conflicts', 'sync_logs', 'tombstones'].join(', ')}`);
    await ctx.requesterDb.query('INSERT INTO users SELECT * FROM bench_saved_users');
    await ctx.requesterDb.query('COMMIT');
  } catch (error) {
    await ctx.requesterDb.query('ROLLBACK');
    throw error;
  }
  rmSync(join(ctx.requester.dataDir, 'files'), { recursive: true, force: true });
  await ctx.requesterDb.query('VACUUM ANALYZE');
}

/**
 * The server at rest before the no-op pulls are timed: the full pull before has written ~0.5 GB of
 * WAL at 1M rows, and PostgreSQL spreads the checkpoint it asked for over minutes
 * (checkpoint_completion_target), so a CHECKPOINT is run now (a superuser's; refused, it is
 * logged); then no autovacuum worker may run on the two nodes' databases (two looks in a row, 100
 * ms apart; at most AUTOVACUUM_WAIT_MS). Answers what it did.
 */
async function serverAtRest(ctx: CaseContext): Promise<string> {
  const started = performance.now();
  let checkpoint = 'CHECKPOINT';
  await ctx.watcher.query('CHECKPOINT').catch((error: Error) => (checkpoint = `no CHECKPOINT (${error.message})`));
  const checkpointed = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - checkpointed < AUTOVACUUM_WAIT_MS) {
    const { rows } = await ctx.watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname IN ($1, $2)`, [
      ctx.sourceDatabase,
      ctx.requesterDb.database,
    ]);
    quiet = rows[0].n === 0 ? quiet + 1 : 0;
    if (quiet < 2) await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `${checkpoint} ${seconds(checkpointed - started)}, autovacuum waited ${seconds(performance.now() - checkpointed)}`;
}

const AUTOVACUUM_WAIT_MS = 120_000;

/** The no-op pulls timed under the samplers, for their CPU and memory (noopPulls). */
const NOOP_SAMPLED_PULLS = 20;

function expectRows(outcome: PullOutcome, expected: number, what: string): void {
  if (outcome.received !== expected) throw new Error(`${what}: received ${outcome.received} rows, expected ${expected}`);
}

/** Full pulls through the job API (as the CLI and console run them), with the progress snapshots of each. */
export async function fullPull(ctx: CaseContext): Promise<CaseResult> {
  const result: CaseResult = { size: ctx.size, case: 'full pull', times: [], rows: ctx.rows, bytes: ctx.tableBytes, sourceCosts: [], eta: [], traces: [], retries: 0 };
  for (let rep = 0; rep < ctx.reps; rep++) {
    await resetRequester(ctx);
    ctx.mark?.(`full pull ${rep + 1} start`);
    const { value, rss, cost } = await measured(ctx, () => tracedPull(ctx.requester, ctx.peer, () => result.retries!++));
    ctx.mark?.(`full pull ${rep + 1} end`);
    expectRows(value, ctx.rows, 'full pull');
    result.times.push(value.ms);
    result.sourceCosts!.push(cost);
    result.eta!.push(value.eta);
    result.traces!.push(value.trace);
    [result.rssRequesterMb, result.rssSourceMb] = maxRss(result, rss);
    const eta = value.eta.worstError === undefined ? 'no ETA after 10 %' : `worst ETA error ${(value.eta.worstError * 100).toFixed(0)} %`;
    ctx.log(`  full pull rep ${rep + 1}: ${(value.ms / 1000).toFixed(2)} s, RSS ${rss.join('/')} MB, snapshot held ${(cost.snapshotHeldMs / 1000).toFixed(2)} s, ${eta}`);
  }
  return result;
}

/** Pulls with nothing changed: a batch under the samplers for their costs, then the timed ones with no sampler running. */
export async function noopPulls(ctx: CaseContext, count: number): Promise<CaseResult> {
  const result: CaseResult = { size: ctx.size, case: 'no-op pull', times: [], sampledTimes: [], retries: 0 };
  const pulls = async (n: number, times: number[]) => {
    for (let i = 0; i < n; i++) {
      const outcome = await pull(ctx.requester, ctx.peer, () => result.retries!++);
      expectRows(outcome, 0, 'no-op pull');
      times.push(outcome.ms);
    }
  };
  // First a batch under the samplers, for the costs; it also warms the no-op's code up (the first
  // no-ops of a process run unoptimised: 40 right after a full pull took 21.3 ms at p50, the 20
  // after them 19.5, 2026-12-02), as a node pulling on a schedule is.
  const sampled = Math.min(count, NOOP_SAMPLED_PULLS);
  const { rss, cost } = await measured(ctx, () => pulls(sampled, result.sampledTimes!));
  // A node at rest, as a scheduled pull an hour after the last change finds it (serverAtRest).
  const rest = await serverAtRest(ctx);
  // The latency an operator sees has no sampler beside it: the samplers (a pg_stat_activity query
  // every 25 ms, /proc every 50 ms) share the 2 cores with a ~20 ms pull and added ~2.5 ms to its
  // median (2026-12-02, interleaved batches of 120: 22.4 and 22.9 ms sampled, 19.4 and 20.5 ms not).
  await pulls(count, result.times);
  result.note = `p50 ${median(result.sampledTimes!).toFixed(1)} ms over ${sampled} with the samplers on`;
  [result.rssRequesterMb, result.rssSourceMb] = rss;
  // One sample over all the pulls: the CPU is per pull, the snapshot the longest one held.
  result.sourceCosts = [{ ...cost, nodeCpuMs: cost.nodeCpuMs / sampled, dbCpuMs: cost.dbCpuMs === undefined ? undefined : cost.dbCpuMs / sampled, requesterCpuMs: cost.requesterCpuMs / sampled, wallMs: cost.wallMs / sampled }];
  ctx.log(`  no-op pulls: median ${median(result.times).toFixed(1)} ms over ${count}, after ${sampled} under the samplers for the costs (median ${median(result.sampledTimes!).toFixed(1)} ms) and a server at rest (${rest})`);
  return result;
}

export async function changePulls(ctx: CaseContext): Promise<CaseResult> {
  const result: CaseResult = { size: ctx.size, case: '1% change pull', times: [], sourceCosts: [], retries: 0 };
  for (let rep = 0; rep < ctx.reps; rep++) {
    const changed = await changeRows(ctx.sourceDb, ctx.catalog, rep + 1);
    const { value, rss, cost } = await measured(ctx, () => pull(ctx.requester, ctx.peer, () => result.retries!++));
    expectRows(value, changed, '1% change pull');
    result.times.push(value.ms);
    result.sourceCosts!.push(cost);
    result.rows = changed;
    [result.rssRequesterMb, result.rssSourceMb] = maxRss(result, rss);
    ctx.log(`  1% change (${changed} rows) rep ${rep + 1}: ${(value.ms / 1000).toFixed(2)} s`);
  }
  return result;
}

/** Files only: the set is attached at the source, then pulled; reps re-download into an emptied store. */
export async function filePulls(ctx: CaseContext, options: { totalBytes: number; fileBytes: number; seed: number }): Promise<{ result: CaseResult; set: FileSet }> {
  const set = await attachFiles(ctx.sourceDb, join(ctx.source.dataDir, 'files'), options);
  ctx.log(`  file set: ${set.files.length} files, ${(set.bytes / 1e6).toFixed(1)} MB`);
  const result: CaseResult = { size: ctx.size, case: 'files pull', times: [], bytes: set.bytes, note: `${set.files.length} files`, sourceCosts: [], eta: [], traces: [], retries: 0 };
  for (let rep = 0; rep < ctx.reps; rep++) {
    if (rep > 0) {
      rmSync(join(ctx.requester.dataDir, 'files'), { recursive: true, force: true });
      await ctx.sourceDb.query(`UPDATE record_channel SET updated_at = updated_at WHERE file_sha256 IS NOT NULL`);
    }
    // Traced like the full pull: files dominate this one, which is where a rows-only ETA misled.
    const { value, rss, cost } = await measured(ctx, () => tracedPull(ctx.requester, ctx.peer, () => result.retries!++));
    result.sourceCosts!.push(cost);
    if (value.filesDownloaded !== set.files.length) throw new Error(`files pull downloaded ${value.filesDownloaded} of ${set.files.length} files`);
    result.times.push(value.ms);
    result.eta!.push(value.eta);
    result.traces!.push(value.trace);
    [result.rssRequesterMb, result.rssSourceMb] = maxRss(result, rss);
    const eta = value.eta.worstError === undefined ? 'no ETA after 10 %' : `worst ETA error ${(value.eta.worstError * 100).toFixed(0)} %`;
    ctx.log(`  files pull rep ${rep + 1}: ${(value.ms / 1000).toFixed(2)} s, ${eta}`);
  }
  return { result, set };
}

export async function rawFileCopy(ctx: CaseContext, set: FileSet): Promise<CaseResult> {
  const result: CaseResult = { size: ctx.size, case: 'raw HTTP file copy', times: [], bytes: set.bytes };
  for (let rep = 0; rep < ctx.reps; rep++) result.times.push(await rawHttpCopy(set, ctx.requester.dataDir));
  ctx.log(`  raw HTTP copy: ${(median(result.times) / 1000).toFixed(2)} s`);
  return result;
}

/**
 * The physical baseline: `pg_dump --data-only` of the synced tables piped into `psql` (one
 * transaction), from the source database into the emptied requester database.
 */
export async function pgDumpBaseline(ctx: CaseContext): Promise<CaseResult | undefined> {
  const tools = ctx.server.tools;
  if (!tools) return undefined;
  const result: CaseResult = { size: ctx.size, case: 'pg_dump | psql', times: [], rows: ctx.rows, bytes: ctx.tableBytes };
  for (let rep = 0; rep < ctx.reps; rep++) {
    await resetRequester(ctx);
    result.times.push(await dumpInto(tools, ctx.catalog, ctx.source.nodeId, ctx.sourceDb, ctx.requesterDb));
    ctx.log(`  pg_dump | psql rep ${rep + 1}: ${(result.times.at(-1)! / 1000).toFixed(2)} s`);
  }
  return result;
}

/**
 * One `pg_dump --data-only … | psql -1` of the synced tables from `source` into the emptied
 * `target` database (FKs and triggers on); returns its time in ms. The target gets a registry row
 * with the source's local id so research_node_id references hold. The dump's empty search_path is
 * dropped: the change-tracking trigger names `tombstones` unqualified. psql's session is in
 * sync-apply mode (`prism.sync_apply`), as a pull's apply: the triggers keep the rows' stamps and
 * origins and skip the natural-key check a local writer gets, whose per-row advisory lock would
 * overflow the lock table in one transaction of 100K rows ("out of shared memory").
 */
export async function dumpInto(tools: NonNullable<BenchServer['tools']>, catalog: SyncCatalog, sourceNodeId: string, source: Client, target: Client): Promise<number> {
  const sourceLocalId = localNodeUuid(sourceNodeId);
  const tables = catalog.tables().flatMap((t) => ['-t', `public.${t.table}`]);
  await target.query(
    `INSERT INTO research_nodes (id, protocol_node_id, node_name, certificate, certificate_fingerprint, status, node_access_level, is_local)
     VALUES ($1, $2, $2, '', $3, 'Authorized', 'ReadOnly', false) ON CONFLICT DO NOTHING`,
    [sourceLocalId, `${sourceNodeId}-dump`, `dump:${sourceLocalId}`],
  );
  const started = performance.now();
  await pipeShell(
    `set -o pipefail; "${tools.pgDump}" --data-only --no-owner --no-privileges ${tables.join(' ')} "${dsn(source)}" 2>/dev/null | sed "/set_config('search_path'/d" | PGOPTIONS='-c prism.sync_apply=on' "${tools.psql}" -X -q -1 -v ON_ERROR_STOP=1 -o /dev/null "${dsn(target)}"`,
  );
  const ms = performance.now() - started;
  const [{ n }] = (await target.query(`SELECT count(*)::int AS n FROM ${q(catalog.tables().at(-1)!.table)}`)).rows as { n: number }[];
  if (n === 0) throw new Error('pg_dump | psql copied no rows');
  return ms;
}

function dsn(client: Client): string {
  const c = client as unknown as { connectionParameters: { user: string; password?: string; host: string; port: number; database: string } };
  const p = c.connectionParameters;
  return `postgresql://${encodeURIComponent(p.user)}${p.password ? `:${encodeURIComponent(p.password)}` : ''}@${p.host}:${p.port}/${p.database}`;
}

function pipeShell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`baseline pipe failed (${code}): ${stderr.slice(0, 2000)}`))));
  });
}

function maxRss(result: CaseResult, rss: number[]): [number, number] {
  return [Math.max(result.rssRequesterMb ?? 0, rss[0]), Math.max(result.rssSourceMb ?? 0, rss[1])];
}
