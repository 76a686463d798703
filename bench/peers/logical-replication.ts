import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { q } from '../../src/core/sync-kernel/sql';
import { dumpInto } from '../cases';
import { changeRows } from '../generate';
import { BenchServer, benchObjectPrefix, createMigratedDatabase, dropDatabase, startPrivateServer, withClient } from '../pg';
import { CaseResult } from '../report';
import { expectSameDigests, PeerContext, PeerOutcome, tableDigests } from './peer-context';

/**
 * The peer a PostgreSQL user would pick first: logical replication. A publication of the synced
 * tables on the source database, a subscription on an emptied copy of the schema (another database
 * of the same server): the initial copy is timed from CREATE SUBSCRIPTION until every table is
 * copied (state s or r in pg_subscription_rel), then the bench's 1 % change is made with the
 * subscription disabled and timed from ENABLE until its last transaction is visible on the target
 * (the pull's situation: the changes are there, the replica catches up). PostgreSQL's defaults
 * throughout (2 table-sync workers per subscription, no binary copy).
 */

const prefix = benchObjectPrefix();
const NAMES = { publication: `${prefix}_pub`, subscription: `${prefix}_sub`, target: `${prefix}_logical`, privateSource: `${prefix}_source`, marker: 'bench_lr_marker' };

export async function logicalReplication(ctx: PeerContext): Promise<PeerOutcome> {
  const given = ctx.server;
  let host = given;
  let note: string | undefined;
  if (given.walLevel !== 'logical') {
    const started = await startPrivateServer(given);
    if (!started.server) {
      return {
        results: [],
        note:
          `logical replication skipped: the given server has wal_level=${given.walLevel} and the bench never changes a server it did not start ` +
          `(enable it there with ALTER SYSTEM SET wal_level = logical and a restart, or run without BENCH_DATABASE_URL: the embedded server has it), ` +
          `and no private server could be started: ${started.reason}`,
      };
    }
    host = started.server;
    note =
      `logical replication ran on a private PostgreSQL ${host.version} the bench started with wal_level=logical and the given server's settings ` +
      `(the given server has wal_level=${given.walLevel} and is never reconfigured); its own pg_dump | psql row shows how the two servers compare`;
  }
  try {
    const superuser = await withClient(host.adminUrl, async (c) => (await c.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0]?.rolsuper === true);
    if (!superuser) return { results: [], note: 'logical replication skipped: CREATE SUBSCRIPTION needs a superuser and the bench connects as another role' };
    return { results: await replicate(ctx, host, host !== given), note };
  } finally {
    if (host !== given) await host.stop();
  }
}

async function replicate(ctx: PeerContext, host: BenchServer, privateServer: boolean): Promise<CaseResult[]> {
  const sourceName = privateServer ? NAMES.privateSource : ctx.sourceDatabase;
  const sourceUrl = privateServer ? await createMigratedDatabase(host, sourceName, 'bench-b') : ctx.sourceUrl;
  const targetUrl = await createMigratedDatabase(host, NAMES.target, 'bench-lr');
  const options = '-c prism.node_id=bench-b -c TimeZone=UTC';
  const source = new Client({ connectionString: sourceUrl, options });
  const target = new Client({ connectionString: targetUrl, options });
  await Promise.all([source.connect(), target.connect()]);
  const tables = ctx.catalog.tables().map((t) => t.table);
  // users references researcher: emptied along (the target database has no users anyway).
  const truncate = (extra: string[] = []) => target.query(`TRUNCATE ${[...tables, 'users', ...extra].map(q).join(', ')}`);
  const results: CaseResult[] = [];
  try {
    if (privateServer) {
      await copyRows(ctx.sourceDb, source, tables);
      if (host.tools) {
        const calibration: CaseResult = { size: ctx.size, case: 'pg_dump | psql on the logical replication server', times: [], rows: ctx.rows, bytes: ctx.tableBytes };
        for (let rep = 0; rep < ctx.reps; rep++) {
          await truncate();
          calibration.times.push(await dumpInto(host.tools, ctx.catalog, ctx.sourceNodeId, source, target));
        }
        await truncate();
        results.push(calibration);
        ctx.log(`  pg_dump | psql on the logical replication server: ${(calibration.times[0] / 1000).toFixed(2)} s`);
      }
    }
    await prepare(source, target, ctx.catalog);
    const subscribe = `CREATE SUBSCRIPTION ${NAMES.subscription} CONNECTION '${conninfo(host.adminUrl, sourceName)}' PUBLICATION ${NAMES.publication}
      WITH (create_slot = false, slot_name = '${NAMES.subscription}', copy_data = true)`;

    // The launcher starts apply workers at most once per wal_retrieve_retry_interval (5 s by
    // default): a timed start waits that long after the previous one, so the throttle is not timed.
    const retryMs = Number((await target.query(`SELECT setting::int AS ms FROM pg_settings WHERE name = 'wal_retrieve_retry_interval'`)).rows[0].ms);
    let lastWorkerStart = -Infinity;
    const launcherReady = async () => {
      const wait = lastWorkerStart + retryMs + 100 - performance.now();
      if (wait > 0) await sleep(wait);
      lastWorkerStart = performance.now();
    };

    const copy: CaseResult = { size: ctx.size, case: 'logical replication: initial copy', times: [], rows: ctx.rows, bytes: ctx.tableBytes };
    for (let rep = 0; rep < ctx.reps; rep++) {
      if (rep > 0) {
        await dropSubscription(target, source);
        await truncate([NAMES.marker]);
      }
      // On one server the slot must exist before CREATE SUBSCRIPTION (creating it there would wait for itself).
      await source.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [NAMES.subscription]);
      await launcherReady();
      const started = performance.now();
      await target.query(subscribe);
      await waitCopied(target, tables.length + 1, ctx.rows);
      copy.times.push(performance.now() - started);
      ctx.log(`  logical replication initial copy rep ${rep + 1}: ${(copy.times.at(-1)! / 1000).toFixed(2)} s`);
    }
    expectSameDigests(await tableDigests(source, ctx.catalog), await tableDigests(target, ctx.catalog), 'logical replication initial copy');
    results.push(copy);

    const change: CaseResult = { size: ctx.size, case: 'logical replication: 1% change', times: [] };
    for (let rep = 0; rep < ctx.reps; rep++) {
      const round = rep + 1;
      await setEnabled(target, source, false);
      change.rows = await changeRows(source, ctx.catalog, round);
      // Committed after every change: once it is on the target, so is all the rest (commit order).
      await source.query(`UPDATE ${NAMES.marker} SET round = $1 WHERE id = 1`, [round]);
      await launcherReady();
      const started = performance.now();
      await setEnabled(target, source, true);
      await waitMarker(target, round);
      change.times.push(performance.now() - started);
      ctx.log(`  logical replication 1% change (${change.rows} rows) rep ${rep + 1}: ${(change.times.at(-1)! / 1000).toFixed(2)} s`);
    }
    expectSameDigests(await tableDigests(source, ctx.catalog), await tableDigests(target, ctx.catalog), 'logical replication 1% change');
    results.push(change);
    return results;
  } finally {
    await dropSubscription(target, source).catch(() => undefined);
    if (!privateServer) {
      await source.query(`DROP PUBLICATION IF EXISTS ${NAMES.publication}`).catch(() => undefined);
      await source.query(`DROP TABLE IF EXISTS ${NAMES.marker}`).catch(() => undefined);
    }
    await Promise.all([source.end(), target.end()].map((p) => p.catch(() => undefined)));
    await dropDatabase(host, NAMES.target);
    if (privateServer) await dropDatabase(host, sourceName);
  }
}

/** The rows of the run's source, copied as they are (triggers and FK checks off) into the private server's source. */
async function copyRows(from: Client, into: Client, tables: string[]): Promise<void> {
  await into.query(`SET session_replication_role = replica`);
  for (const table of tables) await pipeline(from.query(copyTo(`COPY ${q(table)} TO STDOUT`)), into.query(copyFrom(`COPY ${q(table)} FROM STDIN`)));
  await into.query(`RESET session_replication_role`);
  // As the run's source after its pulls: hint bits set and statistics fresh (a first reader of
  // freshly copied rows would pay for writing the hint bits).
  await into.query('VACUUM ANALYZE');
}

/** Publication of the synced tables plus a one-row marker table; tables without a primary key replicate whole rows. */
async function prepare(source: Client, target: Client, catalog: SyncCatalog): Promise<void> {
  const tables = catalog.tables().map((t) => t.table);
  for (const client of [source, target]) await client.query(`CREATE TABLE ${NAMES.marker} (id int PRIMARY KEY, round int NOT NULL)`);
  await source.query(`INSERT INTO ${NAMES.marker} VALUES (1, 0)`);
  const keyless = (
    await source.query(`SELECT c.relname FROM pg_class c WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)`, [tables])
  ).rows as { relname: string }[];
  for (const { relname } of keyless) await source.query(`ALTER TABLE ${q(relname)} REPLICA IDENTITY FULL`);
  await source.query(`CREATE PUBLICATION ${NAMES.publication} FOR TABLE ${[...tables, NAMES.marker].map(q).join(', ')}`);
}

function conninfo(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  const password = decodeURIComponent(url.password);
  return [`host=${url.hostname}`, `port=${url.port || 5432}`, `user=${decodeURIComponent(url.username)}`, `dbname=${database}`, ...(password ? [`password=${password}`] : [])].join(' ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until every table's initial copy is committed on the target (sync done or ready); fails on a sync or apply error. */
async function waitCopied(target: Client, tables: number, rows: number): Promise<void> {
  const deadline = Date.now() + Math.max(300_000, rows);
  for (;;) {
    const { rows: [state] } = await target.query(
      `SELECT count(*) FILTER (WHERE r.srsubstate NOT IN ('s', 'r'))::int AS pending, count(*)::int AS total,
              (SELECT coalesce(sum(st.sync_error_count + st.apply_error_count), 0)::int FROM pg_stat_subscription_stats st WHERE st.subname = $1) AS errors
         FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = $1`,
      [NAMES.subscription],
    );
    if (state.errors > 0) throw new Error(`logical replication reported ${state.errors} errors: see the server log`);
    if (state.total === tables && state.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`logical replication initial copy not done: ${state.pending} of ${state.total} tables pending`);
    await sleep(20);
  }
}

async function waitMarker(target: Client, round: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { rows } = await target.query(`SELECT round FROM ${NAMES.marker} WHERE id = 1`);
    if (rows[0]?.round === round) return;
    if (Date.now() > deadline) throw new Error('logical replication did not apply the change within 5 minutes');
    await sleep(5);
  }
}

/** ENABLE / DISABLE the subscription; disabling waits until the apply worker and its walsender are gone. */
async function setEnabled(target: Client, source: Client, enabled: boolean): Promise<void> {
  await target.query(`ALTER SUBSCRIPTION ${NAMES.subscription} ${enabled ? 'ENABLE' : 'DISABLE'}`);
  if (enabled) return;
  for (let attempt = 0; ; attempt++) {
    const worker = await target.query(`SELECT 1 FROM pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL`, [NAMES.subscription]);
    const sender = await source.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [NAMES.subscription]);
    if (worker.rowCount === 0 && sender.rowCount === 0) return;
    if (attempt > 1500) throw new Error('the logical replication worker did not stop');
    await sleep(20);
  }
}

/** Drops the subscription (detached from its slot first) and then the slot. */
async function dropSubscription(target: Client, source: Client): Promise<void> {
  const exists = await target.query(`SELECT 1 FROM pg_subscription WHERE subname = $1`, [NAMES.subscription]);
  if (exists.rowCount) {
    await setEnabled(target, source, false);
    await target.query(`ALTER SUBSCRIPTION ${NAMES.subscription} SET (slot_name = NONE)`);
    await target.query(`DROP SUBSCRIPTION ${NAMES.subscription}`);
  }
  await source.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [NAMES.subscription]);
}
