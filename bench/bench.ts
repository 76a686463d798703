import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { localNodeUuid } from '../src/core/local-node';
import { buildCatalog } from '../src/core/sync-kernel/sync-catalog';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { q } from '../src/core/sync-kernel/sql';
import { SYNC_SPECS } from '../src/aggregates';
import { CaseContext, changePulls, filePulls, fullPull, noopPulls, pgDumpBaseline, rawFileCopy } from './cases';
import { couchReplication } from './peers/couchdb';
import { logicalReplication } from './peers/logical-replication';
import { PeerContext } from './peers/peer-context';
import { generateRows } from './generate';
import { memoryTraceFiles } from './memory-trace';
import { BenchNode, identityOf, idleMemory, introduce, startNode } from './nodes';
import { BenchServer, benchObjectPrefix, createMigratedDatabase, dropDatabase, interruptCleanups, startServer } from './pg';
import { CaseResult, heapText, median, resultTable, RunReport, sourceCostTable, writeReport } from './report';
import { checkTargets, targetTable } from './targets';
import { parseAmount } from './format';

const USAGE = `npm run bench -- [--sizes 1k,10k,100k,1m,10m] [--reps 3] [--noop 20] [--files 1g|0] [--file-size 2m]
  [--seed 42] [--page-size N] [--node-args="--cpu-prof"] [--peers logical,couchdb|none] [--couch-max-rows 1m] [--keep] [--smoke]
  [--memory-trace DIR] (the requester's memory every 50 ms into DIR: bench/memory-trace.ts)`;

const PEERS = ['logical', 'couchdb'] as const;

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      reps: { type: 'string' },
      noop: { type: 'string' },
      files: { type: 'string' },
      'file-size': { type: 'string' },
      seed: { type: 'string' },
      'page-size': { type: 'string' },
      'node-args': { type: 'string' },
      'memory-trace': { type: 'string' },
      peers: { type: 'string' },
      'couch-max-rows': { type: 'string' },
      keep: { type: 'boolean' },
      smoke: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const sizes = (values.sizes ?? (smoke ? '300' : '1k,10k,100k')).split(',').map((s) => s.trim().toLowerCase());
  const peers = (values.peers ?? PEERS.join(',')).split(',').map((p) => p.trim()).filter((p) => p && p !== 'none');
  for (const peer of peers) if (!(PEERS as readonly string[]).includes(peer)) throw new Error(`--peers: unknown peer "${peer}" (known: ${PEERS.join(', ')}, none)`);
  const env: Record<string, string> = {};
  if (values['page-size']) env.SYNC_PULL_PAGE_SIZE = env.SYNC_MAX_PAGE_SIZE = values['page-size'];
  return {
    smoke,
    sizes: sizes.map((label) => ({ label, rows: parseAmount(label) })),
    reps: Number(values.reps ?? (smoke ? 1 : 3)),
    noop: Number(values.noop ?? 20),
    fileBytes: parseAmount(values.files ?? (smoke ? '4m' : '1g')),
    fileSize: parseAmount(values['file-size'] ?? (smoke ? '1m' : '2m')),
    seed: Number(values.seed ?? 42),
    env,
    nodeArgs: (values['node-args'] ?? '').split(' ').filter(Boolean),
    peers,
    couchMaxRows: parseAmount(values['couch-max-rows'] ?? '1m'),
    keep: values.keep ?? false,
    memoryTrace: values['memory-trace'],
  };
}

const log = (line: string) => console.log(line);

async function runSize(server: BenchServer, opts: ReturnType<typeof options>, size: { label: string; rows: number }, withFiles: boolean, report: RunReport): Promise<CaseResult[]> {
  const work = mkdtempSync(join(tmpdir(), `prism-bench-${size.label}-`));
  const names = { source: `${benchObjectPrefix()}_source`, requester: `${benchObjectPrefix()}_requester` };
  const nodes: BenchNode[] = [];
  const clients: Client[] = [];
  const stopTraces: (() => void)[] = [];
  try {
    log(`\n== ${size.label} rows ==`);
    const sourceUrl = await createMigratedDatabase(server, names.source, 'bench-b');
    const requesterUrl = await createMigratedDatabase(server, names.requester, 'bench-a');
    const dirs = { source: join(work, 'b'), requester: join(work, 'a') };
    await identityOf('bench-b', dirs.source);
    await identityOf('bench-a', dirs.requester);
    const common = { env: opts.env, nodeArgs: opts.nodeArgs };
    const source = await startNode({ nodeId: 'bench-b', dataDir: dirs.source, databaseUrl: sourceUrl, ...common });
    nodes.push(source);
    const trace = opts.memoryTrace && memoryTraceFiles(opts.memoryTrace, size.label);
    const requester = await startNode({ nodeId: 'bench-a', dataDir: dirs.requester, databaseUrl: requesterUrl, ...(trace ? trace.node(common) : common) });
    nodes.push(requester);
    if (trace) stopTraces.push(trace.start(requester.process.pid!));
    const peer = await introduce(requester, source);
    const introducedAt = performance.now();

    const config = loadConfig({ NODE_ID: 'bench-b' });
    const ds = new DataSource(typeOrmOptions(config, sourceUrl));
    await ds.initialize();
    const catalog = buildCatalog(ds, SYNC_SPECS);
    await ds.destroy();
    const sourceDb = new Client({ connectionString: sourceUrl, options: '-c prism.node_id=bench-b -c TimeZone=UTC' });
    const requesterDb = new Client({ connectionString: requesterUrl, options: '-c prism.node_id=bench-a -c TimeZone=UTC' });
    const watcher = new Client({ connectionString: server.adminUrl });
    clients.push(sourceDb, requesterDb, watcher);
    await Promise.all(clients.map((c) => c.connect()));

    // Each node's idle memory is read at the same age at every size: IDLE_SETTLE_MS after the
    // introduction, while the rows are generated (straight into the source's database: neither node
    // runs anything). Read after the generation, the 1M nodes had idled 64 s and the 100K ones 20 s,
    // and V8 had shrunk its heap in one and not the other (5 MB of a 15–26 MB growth).
    const idleRead = Promise.all([idleMemory(requester, introducedAt, !opts.smoke), idleMemory(source, introducedAt, !opts.smoke)]);
    idleRead.then(() => trace && trace.mark('idle read')).catch(() => undefined);
    const started = performance.now();
    const perTable = await generateRows(sourceDb, catalog, { rows: size.rows, seed: opts.seed, localNodeId: localNodeUuid('bench-b') });
    const rows = Object.values(perTable).reduce((a, b) => a + b, 0);
    const tableBytes = Number(
      (await sourceDb.query(`SELECT sum(pg_table_size(c))::bigint::text AS b FROM unnest($1::regclass[]) c`, [catalog.tables().map((t) => q(t.table))])).rows[0].b,
    );
    log(`  generated ${rows} rows (${(tableBytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const [requesterIdle, sourceIdle] = await idleRead;
    const idle = { requester: requesterIdle, source: sourceIdle };
    const idleRssMb = { requester: idle.requester.rssMb, source: idle.source.rssMb };
    const idleHeap = { requester: idle.requester.heap, source: idle.source.heap };
    log(`  idle RSS: requester ${idleRssMb.requester} MB (${heapText(idleHeap.requester)}), source ${idleRssMb.source} MB`);
    report.datasets.push({ size: size.label, rows, tableBytes, perTable, idleRssMb, idleHeap });

    const ctx: CaseContext = { size: size.label, rows, tableBytes, requester, source, peer, requesterDb, sourceDb, sourceDatabase: names.source, watcher, catalog, server, reps: opts.reps, log, mark: trace ? trace.mark : undefined };
    const results: CaseResult[] = [];
    const full = await fullPull(ctx);
    const noop = await noopPulls(ctx, opts.noop);
    const change = await changePulls(ctx);
    results.push(full, noop, change);
    if (withFiles) {
      const { result, set } = await filePulls(ctx, { totalBytes: opts.fileBytes, fileBytes: opts.fileSize, seed: opts.seed });
      const raw = await rawFileCopy(ctx, set);
      compare(result, raw);
      results.push(result, raw);
    }
    const dump = await pgDumpBaseline(ctx);
    if (dump) {
      compare(full, dump);
      results.push(dump);
    }

    // The peers last: their changes to the source database must not disturb the node's cases.
    const peerCtx: PeerContext = { size: size.label, rows, tableBytes, catalog, server, sourceDatabase: names.source, sourceUrl, sourceDb, sourceNodeId: source.nodeId, reps: opts.reps, log };
    const note = (line: string | undefined) => {
      if (!line || report.peerNotes.includes(line)) return;
      report.peerNotes.push(line);
      log(`  ${line}`);
    };
    if (opts.peers.includes('logical')) {
      const logical = await logicalReplication(peerCtx);
      note(logical.note);
      results.push(...logical.results);
      compare(full, logical.results.find((r) => r.case === 'logical replication: initial copy'));
      // On a private server: its pg_dump | psql ÷ the run's own says how comparable the two servers are.
      const calibration = logical.results.find((r) => r.case === 'pg_dump | psql on the logical replication server');
      if (calibration) compare(calibration, dump);
      compare(change, logical.results.find((r) => r.case === 'logical replication: 1% change'));
    } else note('logical replication not run (--peers)');
    if (opts.peers.includes('couchdb')) {
      const couch = await couchReplication(peerCtx, { noop: Math.min(opts.noop, 10), maxRows: opts.couchMaxRows });
      note(couch.note);
      results.push(...couch.results);
      compare(full, couch.results.find((r) => r.case === 'CouchDB replication: full'));
      compare(noop, couch.results.find((r) => r.case === 'CouchDB replication: no-op'));
      compare(change, couch.results.find((r) => r.case === 'CouchDB replication: 1% change'));
    } else note('CouchDB-protocol replication not run (--peers)');
    report.machine.loadDuring = [...(report.machine.loadDuring ?? []), { size: size.label, load: loadavg() }];
    return results;
  } finally {
    for (const stop of stopTraces) stop();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.stop()));
    if (!opts.keep) {
      await dropDatabase(server, names.source);
      await dropDatabase(server, names.requester);
      rmSync(work, { recursive: true, force: true });
    } else log(`  kept ${work} and databases ${names.source}, ${names.requester}`);
  }
}

/** Records our median time ÷ the baseline's median time on our case. */
function compare(ours: CaseResult, baseline: CaseResult | undefined): void {
  if (!baseline || baseline.times.length === 0) return;
  ours.ratios = { ...ours.ratios, [baseline.case]: median(ours.times) / median(baseline.times) };
}

async function main(): Promise<void> {
  const opts = options();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...interruptCleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
    });
  }
  const server = await startServer();
  const report: RunReport = {
    startedAt: new Date().toISOString(),
    host: hostname(),
    machine: { cpus: cpus().length, loadBefore: loadavg() },
    server: { kind: server.kind, version: server.version, tools: server.tools && `${server.tools.pgDump} (v${server.tools.version})`, toolsNote: server.toolsNote },
    settings: { sizes: opts.sizes.map((s) => s.label), reps: opts.reps, noop: opts.noop, files: opts.fileBytes, fileSize: opts.fileSize, seed: opts.seed, env: opts.env, nodeArgs: opts.nodeArgs, peers: opts.peers, couchMaxRows: opts.couchMaxRows },
    datasets: [],
    results: [],
    peerNotes: [],
  };
  log(`PostgreSQL ${server.version} (${server.kind}); baseline tools: ${report.server.tools ?? server.toolsNote}`);
  try {
    for (const [index, size] of opts.sizes.entries()) {
      const withFiles = opts.fileBytes > 0 && index === opts.sizes.length - 1;
      report.results.push(...(await runSize(server, opts, size, withFiles, report)));
    }
  } finally {
    await server.stop();
  }
  report.machine.loadAfter = loadavg();
  report.targets = checkTargets(report);
  const table = resultTable(report.results);
  // A smoke run only proves the bench works: its figures stay out of bench/results.
  const files = writeReport(report, opts.smoke ? join(tmpdir(), 'prism-bench-smoke') : join(__dirname, '..', '..', 'bench', 'results'));
  log(`\n${table}\n`);
  // A smoke dataset is too small to judge the targets: the smoke prints no verdicts.
  if (!opts.smoke) log(`${targetTable(report.targets)}\n\n${sourceCostTable(report)}\n`);
  log(`\nwritten ${files.md} and ${files.json}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
