import request from 'supertest';
import { DataSource } from 'typeorm';
import { ImportEngine } from '../../../src/sync/import/import-engine';
import { ApplyContext } from '../../../src/sync/import/import.types';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { CommittedWrite, LocalWriters } from '../../support/local-writers';
import { SyncedRowFactory } from '../../support/synced-rows';
import { NodePair, startPair, verify, pullInto as pullIntoPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/**
 * Runs `write` on its own connection and returns once it has either committed or is waiting for a
 * lock (then it finishes later: await the returned `done`). Deterministic, no sleeps.
 */
export async function startWriter(dataSource: DataSource, write: (runner: import('typeorm').QueryRunner) => Promise<void>) {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const [{ pid }]: { pid: number }[] = await runner.query('SELECT pg_backend_pid() AS pid');
  let finished = false;
  const done = write(runner)
    .finally(() => (finished = true))
    .finally(() => runner.release());
  done.catch(() => undefined);
  for (;;) {
    if (finished) break;
    const [{ waiting }]: { waiting: boolean }[] = await dataSource.query(
      `SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) AS waiting FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (waiting) break;
    await new Promise((r) => setImmediate(r));
  }
  return { done };
}

/** Calls `during` inside the apply transaction, just before `table` is applied. */
function beforeApplying(node: { app: { get<T>(t: new (...a: never[]) => T): T } }, table: string, during: () => Promise<void>) {
  const engine = node.app.get(ImportEngine);
  const original = engine.applyTables.bind(engine);
  let fired = false;
  engine.applyTables = async (ctx: ApplyContext, tables: string[]) => {
    if (!fired && tables.includes(table)) {
      fired = true;
      await during();
    }
    return original(ctx, tables);
  };
  return () => (engine.applyTables = original);
}

/** Calls `during` once, in the apply transaction before it locks the tables (after the fetch). */
function beforeLocking(node: { app: { get<T>(t: new (...a: never[]) => T): T } }, during: () => Promise<void>) {
  const engine = node.app.get(ImportEngine);
  const original = engine.begin.bind(engine);
  let fired = false;
  engine.begin = async (ctx: ApplyContext) => {
    if (!fired) {
      fired = true;
      await during();
    }
    return original(ctx);
  };
  return () => (engine.begin = original);
}

/** A local write that commits while a pull is applied is never undone (issue #14 item 2). */
describe('local writes during an apply', () => {
  let pair: NodePair;
  const pullA = async () => {
    const res = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
  });
  afterAll(() => pair?.close());

  it('a volunteer deleted on A while A applies an older version from B stays deleted, without a row next to its tombstone', async () => {
    const created = await request(pair.b.url)
      .post('/api/volunteers')
      .set(bearer(pair.adminB))
      .send({ volunteerCode: 'V-RACE', name: 'Racy', email: 'racy@example.org', birthDate: '1990-05-01T00:00:00Z', gender: 'F', bloodType: 'O+', consentStatus: 'Granted' });
    expect(created.status).toBe(201);
    const id = created.body.volunteerId as string;
    await pullA();
    // B edits it (older than A's delete below), then A deletes it while applying B's edit.
    await pair.b.dataSource.query(`UPDATE volunteer SET name = 'edited on B' WHERE volunteer_id = $1`, [id]);
    let writer!: { done: Promise<void> };
    const restore = beforeApplying(pair.a, 'volunteer', async () => {
      writer = await startWriter(pair.a.dataSource, async (runner) => {
        await runner.query(`DELETE FROM volunteer WHERE volunteer_id = $1`, [id]);
      });
    });
    try {
      await pullA();
    } finally {
      restore();
    }
    await writer.done;
    const rows = await pair.a.dataSource.query(`SELECT name FROM volunteer WHERE volunteer_id = $1`, [id]);
    const tombstones = await pair.a.dataSource.query(`SELECT 1 FROM tombstones WHERE table_name = 'volunteer' AND row_key = $1::jsonb`, [JSON.stringify({ volunteer_id: id })]);
    expect({ rows, tombstones: tombstones.length }).toEqual({ rows: [], tombstones: 1 });
  });

  it('a child edited on A after B deleted its parent is archived when a later pull cascades it away, also when the edit committed during the previous pull', async () => {
    // B: a volunteer and a session of it (every table seeded, parents first); A pulls them.
    const catalog = pair.b.app.get(SyncCatalog);
    const factory = new SyncedRowFactory(catalog, pair.b.config.node.nodeId);
    await pair.b.dataSource.transaction(async (m) => {
      for (const model of catalog.tables()) await factory.insert(m, model);
    });
    const volunteerId = factory.rows.get('volunteer')!.volunteer_id as string;
    const sessionId = factory.rows.get('record_session')!.id as string;
    await pullA();
    // The previous pull: fetched before B deletes the volunteer (its session cascades on B); A edits
    // the session after that delete and commits before this pull locks its tables.
    await pair.b.dataSource.query(`UPDATE volunteer SET name = 'moved on B' WHERE volunteer_id = $1`, [volunteerId]);
    const restore = beforeLocking(pair.a, async () => {
      await pair.b.dataSource.query(`DELETE FROM volunteer WHERE volunteer_id = $1`, [volunteerId]);
      await pair.a.dataSource.query(`UPDATE record_session SET finished_at = '2026-01-02T03:04:05Z' WHERE id = $1`, [sessionId]);
    });
    try {
      await pullA();
    } finally {
      restore();
    }
    // This pull brings the delete: the session goes with its volunteer, and A's newer edit is archived.
    await pullA();
    const rows = await pair.a.dataSource.query(`SELECT 1 FROM record_session WHERE id = $1`, [sessionId]);
    const archived = await pair.a.dataSource.query(
      `SELECT rule, winner, local_version->>'finishedAt' AS "finishedAt" FROM sync_conflicts WHERE table_name = 'record_session' AND row_key = $1::jsonb`,
      [JSON.stringify({ id: sessionId })],
    );
    expect({ rows: rows.length, archived }).toEqual({ rows: 0, archived: [{ rule: 'parent_deleted', winner: 'remote', finishedAt: expect.stringMatching(/^2026-01-02T03:04:05/) }] });
  });
});


/**
 * Writers on every synced table of A (inserts, updates, deletes; parents and children) while A
 * applies pulls from B, which writes the same keys. After each run, every write A committed either
 * still stands, was beaten by a newer version, or was archived in sync_conflicts; no row ever stands
 * next to its tombstone; at the end the two nodes converge.
 */
describe('writers on every table during applies', () => {
  const RUNS = Number(process.env.APPLY_RACE_RUNS ?? 12);
  let pair: NodePair;
  let writers: LocalWriters;

  const pullInto = (into: 'a' | 'b') => pullIntoPair(pair, into);

  beforeAll(async () => {
    pair = await startPair({ ...BULK_HTTP_ENV, THROTTLE_SYNC_PER_MINUTE: '1000000' });
    writers = await LocalWriters.seed(pair.b);
    await pullInto('a');
  });
  afterAll(() => pair?.close());

  it(`${RUNS} pulls into A under writers on A and B lose no local write`, async () => {
    const writes: CommittedWrite[] = [];
    for (let run = 0; run < RUNS; run++) {
      // B changes the keys first (the pull brings them), then both write while A applies.
      for (let i = 0; i < 10; i++) await writers.randomWrite(pair.b);
      const stop = { done: false };
      const running = [writers.writeUntil(pair.a, stop), writers.writeUntil(pair.a, stop), writers.writeUntil(pair.b, stop)];
      try {
        await pullInto('a');
      } finally {
        stop.done = true;
      }
      const [first, second] = await Promise.all(running);
      writes.push(...first, ...second);
      expect({ run, problems: await writers.problems(pair.a.dataSource, writes) }).toEqual({ run, problems: [] });
    }
    expect(writes.length).toBeGreaterThan(RUNS);
    // Settle: both directions until nothing moves, then the two nodes hold the same rows.
    for (let i = 0; i < 2; i++) {
      await pullInto('b');
      await pullInto('a');
    }
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    // Table by table first, so a failure names the tables that differ.
    const tables = (v: typeof a) => Object.values(v.aggregates).flatMap((aggregate) => aggregate.tables);
    expect(tables(a)).toEqual(tables(b));
    expect(a.digest).toBe(b.digest);
  }, 600_000);
});
