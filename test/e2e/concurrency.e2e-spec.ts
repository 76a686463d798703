import { QueryRunner } from 'typeorm';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../src/core/sync-kernel/table-model';
import { CommittedWrite, LocalWriters } from '../support/local-writers';
import { SyncedRowFactory } from '../support/synced-rows';
import { verify } from '../support/two-nodes';
import { MutualPair, pullInto, startMutualPair, writeRow } from './harness/in-process-pair';
import { recordSummary } from './harness/summary';

const RUNS = Number(process.env.CONCURRENCY_RUNS ?? 50);
const KEYS_PER_TABLE = 6;
const LOCAL_WRITER_RUNS = Number(process.env.LOCAL_WRITER_RUNS ?? 20);

describe('concurrency: writers change the source and the requester during pulls', () => {
  let pair: MutualPair;
  let models: TableModel[];
  let runs = 0;
  let missed = 0;
  let lostLocal = 0;
  const archived: string[] = [];
  let keySeq = 0;

  beforeAll(async () => {
    pair = await startMutualPair();
    const catalog = pair.b.app.get(SyncCatalog);
    models = ['snomed_body_region', 'snomed_laterality'].map((t) => catalog.table(t));
  }, 120_000);

  afterAll(async () => {
    recordSummary({ spec: 'concurrency', scenarios: 1, concurrencyRuns: runs, failures: missed, notes: [`missed updates: ${missed}`, `local writes lost during applies: ${lostLocal}`, ...archived] });
    await pair?.close();
  }, 60_000);

  const keyOf = (model: TableModel, n: number | string) => ({ [model.key[0]]: `${model.table === 'snomed_laterality' ? 'C' : 'R'}-${n}` });

  /** Short autocommit writes on random keys until stopped. */
  async function shortWriter(stop: { done: boolean }, writer: number): Promise<number> {
    let writes = 0;
    while (!stop.done) {
      const model = models[writes % models.length];
      await writeRow(pair.b, model, keyOf(model, `${writer}-${Math.floor(Math.random() * KEYS_PER_TABLE)}`), null);
      writes++;
    }
    return writes;
  }

  /** A transaction held open across the whole pull: its rows commit after the window was opened. */
  async function longWriter(runner: QueryRunner, pullDone: Promise<unknown>): Promise<void> {
    await runner.startTransaction();
    const model = models[0];
    const column = model.columns.find((c) => c.column === 'snomed_code') ? 'snomed_code' : model.key[0];
    const fresh = `L-${++keySeq}`;
    await runner.query(`UPDATE "${model.table}" SET updated_at = updated_at WHERE "${column}" = $1`, [keyOf(model, '1-0')[column]]);
    await new SyncedRowFactory(pair.b.app.get(SyncCatalog), pair.b.config.node.nodeId).insert(runner.manager, model, { [column]: fresh });
    await pullDone;
    await runner.commitTransaction();
  }

  it(`${RUNS} pulls under concurrent writers miss no update`, async () => {
    for (let i = 0; i < RUNS; i++) {
      runs++;
      const stop = { done: false };
      const runner = pair.b.dataSource.createQueryRunner();
      await runner.connect();
      try {
        const writers = [shortWriter(stop, 1), shortWriter(stop, 2)];
        let finishPull!: () => void;
        const pullDone = new Promise<void>((r) => (finishPull = r));
        const long = i % 2 === 0 ? longWriter(runner, pullDone) : Promise.resolve();
        await new Promise((r) => setTimeout(r, 5));
        const during = await pullInto(pair, 'a');
        finishPull();
        stop.done = true;
        await Promise.all([...writers, long]);
        expect(during.status).toBe(200);
      } finally {
        await runner.release();
      }
      const after = await pullInto(pair, 'a');
      expect(after.status).toBe(200);
      const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
      if (a.digest !== b.digest) missed++;
      expect({ run: i, equal: a.digest === b.digest }).toEqual({ run: i, equal: true });
    }
  }, 300_000);

  it(`${LOCAL_WRITER_RUNS} pulls under writers on every table of both nodes lose no local write of the requester`, async () => {
    const writers = await LocalWriters.seed(pair.b);
    expect((await pullInto(pair, 'a')).status).toBe(200);
    const writes: CommittedWrite[] = [];
    const writesOnB: CommittedWrite[] = [];
    for (let i = 0; i < LOCAL_WRITER_RUNS; i++) {
      runs++;
      for (let n = 0; n < 5; n++) {
        const committed = await writers.randomWrite(pair.b);
        if (committed) writesOnB.push(committed);
      }
      const stop = { done: false };
      const running = [writers.writeUntil(pair.a, stop), writers.writeUntil(pair.a, stop), writers.writeUntil(pair.b, stop, writesOnB)];
      const during = await pullInto(pair, 'a');
      stop.done = true;
      const [first, second] = await Promise.all(running);
      expect(during.status).toBe(200);
      writes.push(...first, ...second);
      const problems = await writers.problems(pair.a.dataSource, writes);
      lostLocal += problems.length;
      expect({ run: i, problems }).toEqual({ run: i, problems: [] });
    }
    for (let n = 0; n < 2; n++) {
      expect((await pullInto(pair, 'b')).status).toBe(200);
      expect((await pullInto(pair, 'a')).status).toBe(200);
    }
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
    // Every write either node lost in the two-way run is explained there: a newer version or an archive.
    expect({ a: await writers.problems(pair.a.dataSource, writes), b: await writers.problems(pair.b.dataSource, writesOnB) }).toEqual({ a: [], b: [] });
    // What each node archived (the review of sync_conflicts after a randomized two-way run).
    for (const [name, node] of [['A', pair.a], ['B', pair.b]] as const) {
      const rows: { rule: string; winner: string; n: number }[] = await node.dataSource.query(
        `SELECT rule, winner, count(*)::int AS n FROM sync_conflicts GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      archived.push(`conflicts on ${name}: ${rows.map((r) => `${r.rule}/${r.winner} ${r.n}`).join(', ') || 'none'}`);
    }
  }, 600_000);
});
