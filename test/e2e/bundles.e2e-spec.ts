import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { call } from './harness/http';
import type { ProcessPair } from './harness/process-cluster';
import { pullFrom, requesterState, stagingEntries, verifyOf } from './harness/requester';
import { SourceData } from './harness/source-data';
import { recordSummary } from './harness/summary';
import { startPair } from './harness/target';

interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Offline bundles between two node processes with no network between them: B's CLI writes a
 * bundle for A, B is stopped, A's CLI imports it (once; a replay and a tampered copy are refused,
 * changing nothing), B restarts, accepts A's acknowledgement, and the next online pull continues
 * from the bundle's position.
 */
describe('offline bundles between node processes', () => {
  let pair: ProcessPair;
  let source: SourceData;
  let dir: string;
  let aOnB: string;
  let checks = 0;

  const cli = (node: ProcessPair['a'], args: string[]): Promise<CliOutcome> =>
    node.proc.cli([...args, '--url', node.url, '--token', node.admin]).then(
      (stdout) => ({ code: 0, stdout, stderr: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: Number(error.code ?? -1), stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );

  beforeAll(async () => {
    pair = await startPair();
    source = await SourceData.open(pair.b);
    await source.seed();
    dir = mkdtempSync(join(tmpdir(), 'prism-bundles-e2e-'));
    const db = new Client({ connectionString: pair.b.db.url });
    await db.connect();
    try {
      const [row] = (await db.query(`SELECT id FROM research_nodes WHERE protocol_node_id = 'node-a' AND NOT is_local`)).rows as { id: string }[];
      aOnB = row.id;
    } finally {
      await db.end();
    }
  }, 180_000);

  afterAll(async () => {
    recordSummary({ spec: 'bundles', scenarios: checks, failures: 0, notes: [] });
    await source?.close();
    await pair?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('carries B\'s data to A in a file, applied once, refused replayed or tampered with', async () => {
    const bundle = join(dir, 'b-to-a.prism-bundle');
    const exported = await cli(pair.b, ['bundle:export', '--peer', aOnB, '--out', bundle]);
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: '' });
    const sourceDigest = (await verifyOf(pair.b)).digest;

    // No network path: B is not running while A imports.
    await pair.b.proc.close();
    const imported = await cli(pair.a, ['bundle:import', bundle, '--ack-out', join(dir, 'ack.json'), '--json']);
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(imported.stdout).summary.totals.inserted).toBeGreaterThan(0);
    expect((await verifyOf(pair.a)).digest).toBe(sourceDigest);
    const applied = await requesterState(pair.a);

    const replay = await cli(pair.a, ['bundle:import', bundle, '--json']);
    expect({ code: replay.code, error: JSON.parse(replay.stderr).error }).toEqual({ code: 4, error: 'ERR_BUNDLE_ALREADY_APPLIED' });
    const tampered = Buffer.from(readFileSync(bundle));
    tampered[tampered.length - 50] ^= 0xff;
    writeFileSync(join(dir, 'tampered.prism-bundle'), tampered);
    const refused = await cli(pair.a, ['bundle:import', join(dir, 'tampered.prism-bundle'), '--json']);
    expect({ code: refused.code, error: JSON.parse(refused.stderr).error }).toEqual({ code: 1, error: 'ERR_BUNDLE_TAMPERED' });
    expect(await requesterState(pair.a)).toEqual(applied);
    expect(await stagingEntries(pair.a)).toEqual([]);
    checks += 4;
  }, 180_000);

  it('the acknowledgement moves B\'s position, and the next online pull continues from the bundle', async () => {
    await pair.b.proc.start();
    const accepted = await cli(pair.b, ['bundle:accept-ack', join(dir, 'ack.json'), '--json']);
    expect({ code: accepted.code, moved: JSON.parse(accepted.stdout || '{}').moved }).toEqual({ code: 0, moved: true });
    // Nothing changed on B since the bundle: the online pull moves nothing.
    const noop = await pullFrom(pair.a, pair.peerOnA);
    expect({ status: noop.status, received: noop.body.summary?.totals.received }).toEqual({ status: 200, received: 0 });
    await source.change({ recording: false });
    const pulled = await pullFrom(pair.a, pair.peerOnA);
    expect(pulled.status).toBe(200);
    expect((await verifyOf(pair.a)).digest).toBe((await verifyOf(pair.b)).digest);
    const positions = await call(pair.b.url, 'GET', '/api/sync/bundles/positions', { token: pair.b.admin });
    expect(positions.body.find((p: { remoteNodeId: string }) => p.remoteNodeId === aOnB)).toMatchObject({ source: 'pull' });
    checks += 3;
  }, 180_000);
});
