import fc from 'fast-check';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../src/core/sync-kernel/table-model';
import { cursorXid, expectedAfterPull, mismatches, readState } from './harness/convergence-oracle';
import { deleteRow, MutualPair, pullInto, resetData, startMutualPair, writeRow } from './harness/in-process-pair';
import { recordSummary } from './harness/summary';

/** Property runs (PROPERTY_RUNS); replay a failure with PROPERTY_SEED (and PROPERTY_PATH) as printed. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

const TABLES = ['snomed_body_region', 'snomed_laterality', 'volunteer'];
/** Keys shared by both nodes, so their writes collide. */
const KEYS: Record<string, string>[][] = [
  [{ snomed_code: 'BR-1' }, { snomed_code: 'BR-2' }],
  [{ code: 'LAT-1' }, { code: 'LAT-2' }],
  [{ volunteer_id: '00000000-0000-4000-8000-000000000001' }, { volunteer_id: '00000000-0000-4000-8000-000000000002' }],
];

type Op =
  | { kind: 'write'; node: 'a' | 'b'; table: number; key: number; tie: number | null }
  | { kind: 'delete'; node: 'a' | 'b'; table: number; key: number; tie: number | null }
  | { kind: 'pull'; into: 'a' | 'b' };

const node = fc.constantFrom<'a' | 'b'>('a', 'b');
const tie = fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), node, table: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 1 }), tie }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), node, table: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 1 }), tie }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pull' as const), into: node }) },
);

describe('property: newer-wins convergence under random writes, deletes, ties and pulls', () => {
  let pair: MutualPair;
  let models: TableModel[];
  let runs = 0;
  let pulls = 0;

  beforeAll(async () => {
    pair = await startMutualPair();
    const catalog = pair.a.app.get(SyncCatalog);
    models = TABLES.map((t) => catalog.table(t));
    // Key columns of the pools must be the tables' keys.
    models.forEach((m, i) => expect(Object.keys(KEYS[i][0])).toEqual(m.key));
  }, 120_000);

  afterAll(async () => {
    recordSummary({ spec: 'convergence (property)', scenarios: 1, propertyRuns: runs, notes: [`${pulls} pulls checked against the newer-wins rule`] });
    await pair?.close();
  }, 60_000);

  async function checkedPull(into: 'a' | 'b'): Promise<void> {
    const requester = into === 'a' ? pair.a : pair.b;
    const source = into === 'a' ? pair.b : pair.a;
    const from = await cursorXid(requester.dataSource, into === 'a' ? pair.peerOnA : pair.peerOnB);
    const before = await readState(requester.dataSource, models);
    const sourceState = await readState(source.dataSource, models);
    const res = await pullInto(pair, into);
    if (res.status !== 200) throw new Error(`pull into ${into} failed: ${res.status} ${JSON.stringify(res.body)}`);
    pulls++;
    const problems = mismatches(await readState(requester.dataSource, models), expectedAfterPull(before, sourceState, from));
    if (problems.length) throw new Error(`pull into ${into} broke the newer-wins rule:\n${problems.join('\n')}`);
  }

  it(`holds for ${RUNS} random histories`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 10 }), async (ops) => {
        runs++;
        await Promise.all([resetData(pair.a), resetData(pair.b)]);
        const [{ base }]: { base: string }[] = await pair.a.dataSource.query(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS base`);
        const stamp = (n: number | null) => (n === null ? null : new Date(Date.parse(base) + n).toISOString().replace('Z', '000Z'));
        for (const op of [...ops, { kind: 'pull', into: 'a' } as Op, { kind: 'pull', into: 'b' } as Op]) {
          if (op.kind === 'pull') await checkedPull(op.into);
          else {
            const target = op.node === 'a' ? pair.a : pair.b;
            const key = KEYS[op.table][op.key];
            if (op.kind === 'write') await writeRow(target, models[op.table], key, stamp(op.tie));
            else await deleteRow(target, models[op.table], key, stamp(op.tie));
          }
        }
        // After a pull each way, both nodes hold the same live rows.
        const live = async (n: typeof pair.a) =>
          [...(await readState(n.dataSource, models)).entries()].filter(([, v]) => v.kind === 'row').map(([k, v]) => [k, v.kind === 'row' ? `${v.updatedAt}/${v.hash}` : '']).sort();
        expect(await live(pair.a)).toEqual(await live(pair.b));
      }),
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: true, verbose: 1 },
    );
  }, 300_000);
});
