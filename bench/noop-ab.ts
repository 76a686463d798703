import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SYNC_SPECS } from '../src/aggregates';
import { loadConfig } from '../src/config';
import { localNodeUuid } from '../src/core/local-node';
import { buildCatalog } from '../src/core/sync-kernel/sync-catalog';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { generateRows } from './generate';
import { BenchNode, identityOf, introduce, pull, startNode } from './nodes';
import { benchObjectPrefix, createMigratedDatabase, dropDatabase, startServer } from './pg';
import { cpuMs } from './process-stats';
import { median, parseAmount } from './format';

const USAGE = `node dist/bench/noop-ab.js [--rows 100k] [--rounds 12] [--per 40] [--b-env '{"NAME":"value"}'] [--a-node-args="--cpu-prof …"] [--source-node-args="…"]`;

/**
 * A/B of the no-op pull, for changes too small for the bench's run-to-run noise (on a 2-core VM the
 * same code's p50 moved 16.6 → 20.1 ms within two minutes): one source and two requesters, A as
 * configured and B with `--b-env` added to its environment (a setting, or a switch a change under
 * test reads), pulling in interleaved batches (A B, B A, …) so both meet the same machine. Prints
 * each one's p50 and mean, and the CPU each requester and the source spent a pull (/proc, all
 * threads: less noisy than the wall time). With `--a-node-args="--cpu-prof --cpu-prof-dir=DIR"` A's
 * profile covers its no-ops (bench/cpuprofile-summary.ts reads it).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      rounds: { type: 'string' },
      per: { type: 'string' },
      'b-env': { type: 'string' },
      'a-node-args': { type: 'string' },
      'source-node-args': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const rows = parseAmount(values.rows ?? '100k');
  const rounds = Number(values.rounds ?? 12);
  const per = Number(values.per ?? 40);
  const bEnv = JSON.parse(values['b-env'] ?? '{}') as Record<string, string>;
  const args = (text: string | undefined) => (text ?? '').split(' ').filter(Boolean);
  if (!Number.isInteger(rounds) || rounds < 2 || !Number.isInteger(per) || per < 1) throw new Error(`--rounds (≥ 2) and --per (≥ 1) are whole numbers\n${USAGE}`);

  const server = await startServer();
  const work = mkdtempSync(join(tmpdir(), 'prism-noop-ab-'));
  const prefix = benchObjectPrefix();
  const roles = ['source', 'a', 'b'] as const;
  const databases = Object.fromEntries(roles.map((r) => [r, `${prefix}_ab_${r}`])) as Record<(typeof roles)[number], string>;
  const nodes: Partial<Record<(typeof roles)[number], BenchNode>> = {};
  try {
    for (const role of roles) {
      const nodeId = `ab-${role}`;
      const databaseUrl = await createMigratedDatabase(server, databases[role], nodeId);
      await identityOf(nodeId, join(work, role));
      const nodeArgs = role === 'source' ? args(values['source-node-args']) : role === 'a' ? args(values['a-node-args']) : [];
      nodes[role] = await startNode({ nodeId, dataDir: join(work, role), databaseUrl, env: role === 'b' ? bEnv : {}, nodeArgs });
    }
    const source = nodes.source!;
    const requesters = { a: nodes.a!, b: nodes.b! };
    const peers = { a: await introduce(requesters.a, source), b: await introduce(requesters.b, source) };

    const dataSource = new DataSource(typeOrmOptions(loadConfig({ NODE_ID: source.nodeId }), source.databaseUrl));
    await dataSource.initialize();
    const catalog = buildCatalog(dataSource, SYNC_SPECS);
    await dataSource.destroy();
    const sourceDb = new Client({ connectionString: source.databaseUrl, options: `-c prism.node_id=${source.nodeId} -c TimeZone=UTC` });
    await sourceDb.connect();
    try {
      await generateRows(sourceDb, catalog, { rows, seed: 42, localNodeId: localNodeUuid(source.nodeId) });
    } finally {
      await sourceDb.end();
    }
    for (const side of ['a', 'b'] as const) {
      const full = await pull(requesters[side], peers[side]);
      console.log(`${side}: full pull of ${full.received} rows in ${(full.ms / 1000).toFixed(2)} s`);
      // Warm: the first no-ops after a full pull run cold code (bench/README.md "A new machine…").
      for (let i = 0; i < 30; i++) await pull(requesters[side], peers[side]);
    }
    const times = { a: [] as number[], b: [] as number[] };
    const cpu = { a: 0, b: 0 };
    const sourceCpu = { a: 0, b: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
        const [requesterBefore, sourceBefore] = [cpuMs(requesters[side].process.pid!) ?? 0, cpuMs(source.process.pid!) ?? 0];
        for (let i = 0; i < per; i++) times[side].push((await pull(requesters[side], peers[side])).ms);
        cpu[side] += (cpuMs(requesters[side].process.pid!) ?? 0) - requesterBefore;
        sourceCpu[side] += (cpuMs(source.process.pid!) ?? 0) - sourceBefore;
      }
    }
    for (const side of ['a', 'b'] as const) {
      const n = times[side].length;
      const mean = times[side].reduce((s, t) => s + t, 0) / n;
      console.log(
        `${side}${side === 'b' ? ` ${JSON.stringify(bEnv)}` : ''}: no-op p50 ${median(times[side]).toFixed(2)} ms, mean ${mean.toFixed(2)} ms over ${n}; CPU a pull: requester ${(cpu[side] / n).toFixed(2)} ms, source ${(sourceCpu[side] / n).toFixed(2)} ms`,
      );
    }
  } finally {
    for (const node of Object.values(nodes)) await node.stop();
    for (const name of Object.values(databases)) await dropDatabase(server, name).catch(() => undefined);
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
