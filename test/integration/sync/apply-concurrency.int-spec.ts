import request from 'supertest';
import { DataSource } from 'typeorm';
import { ImportEngine } from '../../../src/sync/import/import-engine';
import { ApplyContext } from '../../../src/sync/import/import.types';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../../src/core/sync-kernel/table-model';
import { mutableColumn } from '../../e2e/harness/in-process-pair';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { RowValues, SyncedRowFactory } from '../../support/synced-rows';
import { NodePair, startPair, verify } from '../../support/two-nodes';
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
});

/**
 * Writers on every synced table of A (inserts, updates, deletes; parents and children) while A
 * applies pulls from B, which writes the same keys. After each run, every write A committed either
 * still stands, was beaten by a newer version (updated_at or deleted_at not older than the write),
 * or was archived in sync_conflicts; no row ever stands next to its tombstone; at the end the two
 * nodes converge.
 */
describe('writers on every table during applies', () => {
  const RUNS = Number(process.env.APPLY_RACE_RUNS ?? 12);
  let pair: NodePair;
  let peerOnB: string;
  let models: TableModel[];
  const seeded = new Map<string, RowValues[]>();
  let parents: Map<string, RowValues>;

  type Committed = { table: string; key: Record<string, unknown>; kind: 'write' | 'delete'; at: string; run: number };

  const pullInto = async (into: 'a' | 'b') => {
    const node = into === 'a' ? pair.a : pair.b;
    const res = await request(node.url)
      .post('/api/sync/pull')
      .set(bearer(into === 'a' ? pair.adminA : pair.adminB))
      .send({ remoteNodeId: into === 'a' ? pair.peerOnA : peerOnB });
    if (res.status !== 200) throw new Error(`pull into ${into} failed: ${res.status} ${JSON.stringify(res.body)}`);
  };

  beforeAll(async () => {
    pair = await startPair({ ...BULK_HTTP_ENV, THROTTLE_SYNC_PER_MINUTE: '1000000' });
    peerOnB = pair.requesterOnB;
    const catalog = pair.b.app.get(SyncCatalog);
    models = catalog.tables();
    // Two rows of every table on B, children pointing at the last parent row.
    const factory = new SyncedRowFactory(catalog, pair.b.config.node.nodeId);
    await pair.b.dataSource.transaction(async (m) => {
      for (const model of models) {
        const rows: RowValues[] = [];
        // One row where a second would repeat a key: keys made of parent keys, a 1:1 child (target_area).
        const fkColumns = new Set(model.foreignKeys.flatMap((f) => f.columns));
        const count = model.key.every((k) => fkColumns.has(k)) || model.table === 'target_area' ? 1 : 2;
        for (let i = 0; i < count; i++) rows.push(await factory.insert(m, model));
        seeded.set(model.table, rows);
      }
    });
    parents = factory.rows;
    await pullInto('a');
  });
  afterAll(() => pair?.close());

  /** One random local write in its own transaction; returns what committed (nothing when refused). */
  async function randomWrite(node: typeof pair.a, run: number): Promise<Committed | undefined> {
    const model = models[Math.floor(Math.random() * models.length)];
    const rows = seeded.get(model.table)!;
    const row = rows[Math.floor(Math.random() * rows.length)];
    const { where, params } = SyncedRowFactory.keyFilter(model, row);
    const key = SyncedRowFactory.rowKey(model, row);
    const text = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    const dice = Math.random();
    try {
      return await node.dataSource.transaction(async (m) => {
        if (dice < 0.3) {
          const gone = returned(await m.query(`DELETE FROM "${model.table}" WHERE ${where} RETURNING 1`, params));
          if (gone.length === 0) return undefined;
          const [{ at }] = await m.query(`SELECT ${text('deleted_at')} AS at FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`, [model.table, JSON.stringify(key)]);
          return { table: model.table, key, kind: 'delete' as const, at, run };
        }
        const column = changeable(model);
        // A link table without a free column: the write only moves its updated_at (the trigger stamps it).
        const set = column ? `"${column.column}" = left(md5(random()::text), ${Math.min(column.length ?? 20, 20)})` : `updated_at = updated_at`;
        const updated = returned<{ at: string }>(await m.query(`UPDATE "${model.table}" SET ${set} WHERE ${where} RETURNING ${text('updated_at')} AS at`, params));
        if (updated.length) return { table: model.table, key, kind: 'write' as const, at: updated[0].at, run };
        if (dice < 0.6) return undefined;
        // Re-create the key as this node's row (parents may be gone: then the FK refuses it).
        const factory = new SyncedRowFactory(node.app.get(SyncCatalog), node.config.node.nodeId);
        for (const [table, parent] of parents) factory.rows.set(table, parent);
        const local = new Set(model.columns.filter((c) => c.local || c.managed).map((c) => c.column));
        const values = Object.fromEntries(Object.entries(row).filter(([c]) => !local.has(c)));
        await factory.insert(m, model, { ...factory.values(model), ...values });
        const [{ at }] = await m.query(`SELECT ${text('updated_at')} AS at FROM "${model.table}" WHERE ${where}`, params);
        return { table: model.table, key, kind: 'write' as const, at, run };
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code === '23503' || code === '23505') return undefined; // a parent gone, a key taken: nothing committed
      throw error;
    }
  }

  /** TypeORM answers UPDATE/DELETE … RETURNING with [rows, count]. */
  const returned = <T = unknown>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];

  const changeable = (model: TableModel) => {
    try {
      return mutableColumn(model);
    } catch {
      return undefined;
    }
  };

  async function writeUntil(node: typeof pair.a, stop: { done: boolean }, run: number, into: Committed[]) {
    while (!stop.done) {
      const committed = await randomWrite(node, run);
      if (committed) into.push(committed);
    }
  }

  /** Every committed write of A stands, lost to a newer version, or is archived; no row next to its tombstone. */
  async function checkA(writes: Committed[]) {
    const problems: string[] = [];
    for (const w of writes) {
      const model = models.find((m) => m.table === w.table)!;
      const where = model.key.map((k, i) => `"${k}" = $${i + 1}`).join(' AND ');
      const params = model.key.map((k) => w.key[k]);
      const [state] = await pair.a.dataSource.query(
        `SELECT (SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM "${w.table}" WHERE ${where}) AS row_at,
                (SELECT to_char(deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM tombstones WHERE table_name = '${w.table}' AND row_key = $${params.length + 1}::jsonb) AS tomb_at,
                (SELECT count(*)::int FROM sync_conflicts WHERE table_name = '${w.table}' AND row_key = $${params.length + 1}::jsonb) AS archived`,
        [...params, JSON.stringify(w.key)],
      );
      if (state.row_at && state.tomb_at) problems.push(`${w.table} ${JSON.stringify(w.key)}: row and tombstone coexist`);
      if (w.kind === 'write' && !(state.row_at >= w.at || state.tomb_at >= w.at || state.archived > 0)) problems.push(`write lost: ${JSON.stringify({ ...w, ...state })}`);
      if (w.kind === 'delete' && state.row_at && !(state.row_at > w.at) && state.archived === 0) problems.push(`delete undone: ${JSON.stringify({ ...w, ...state })}`);
    }
    for (const model of models) {
      const key = `jsonb_build_object(${model.key.map((k) => `'${k}', t."${k}"`).join(', ')})`;
      const [{ n }] = await pair.a.dataSource.query(`SELECT count(*)::int AS n FROM "${model.table}" t JOIN tombstones tb ON tb.table_name = '${model.table}' AND tb.row_key = ${key}`);
      if (n > 0) problems.push(`${model.table}: ${n} rows next to their tombstone`);
    }
    return problems;
  }

  it(`${RUNS} pulls into A under writers on A and B lose no local write`, async () => {
    const writes: Committed[] = [];
    let total = 0;
    for (let run = 0; run < RUNS; run++) {
      const stop = { done: false };
      const onA: Committed[] = [];
      // B changes the keys first (the pull brings them), then both write while A applies.
      for (let i = 0; i < 10; i++) await randomWrite(pair.b, run);
      const writers = [writeUntil(pair.a, stop, run, onA), writeUntil(pair.a, stop, run, onA), writeUntil(pair.b, stop, run, [])];
      try {
        await pullInto('a');
      } finally {
        stop.done = true;
        await Promise.all(writers);
      }
      writes.push(...onA);
      total += onA.length;
      expect({ run, problems: await checkA(writes) }).toEqual({ run, problems: [] });
    }
    expect(total).toBeGreaterThan(RUNS);
    // Settle: both directions until nothing moves, then the two nodes hold the same rows.
    for (let i = 0; i < 2; i++) {
      await pullInto('b');
      await pullInto('a');
    }
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
  }, 600_000);
});
