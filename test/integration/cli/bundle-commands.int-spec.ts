import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../../src/cli/command';
import { buildDatasetOverHttp } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { cli } from './cli-support';

/** The bundle commands end to end: B exports, A previews, imports and acknowledges, B accepts. */
describe('prism-node bundle commands', () => {
  let pair: NodePair;
  let dir: string;
  let onA: string[];
  let onB: string[];

  beforeAll(async () => {
    pair = await startPair();
    await buildDatasetOverHttp(pair.b, pair.adminB);
    dir = mkdtempSync(join(tmpdir(), 'prism-bundle-cli-'));
    onA = ['--url', pair.a.url, '--token', pair.adminA];
    onB = ['--url', pair.b.url, '--token', pair.adminB];
  });
  afterAll(async () => {
    await pair?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints --help for every bundle command', async () => {
    for (const name of ['bundle:export', 'bundle:import', 'bundle:ack', 'bundle:accept-ack']) {
      const run = await cli([name, '--help']);
      expect({ name, code: run.code, usage: run.stdout.includes(`Usage: prism-node ${name}`) }).toEqual({ name, code: EXIT.ok, usage: true });
    }
  });

  it('exports, previews, imports once, refuses the replay, and the acknowledgement shrinks the next bundle', async () => {
    const file = join(dir, 'b-to-a.prism-bundle');
    expect((await cli(['bundle:export', ...onB])).code).toBe(EXIT.usage);
    const exported = await cli(['bundle:export', '--peer', pair.requesterOnB, '--out', file, ...onB]);
    expect(exported.code).toBe(EXIT.ok);
    expect(exported.stdout).toContain(`written to ${file}`);
    expect(statSync(file).mode & 0o077).toBe(0);

    const preview = await cli(['bundle:import', file, '--preview', ...onA]);
    expect(preview.code).toBe(EXIT.ok);
    expect(preview.stdout).toContain('The import would apply');
    expect((await verify(pair.a, pair.adminA)).aggregates.volunteers.rows).toBe(0);

    const ackFile = join(dir, 'ack.json');
    const applied = await cli(['bundle:import', file, '--ack-out', ackFile, ...onA]);
    expect(applied.code).toBe(EXIT.ok);
    expect(applied.stdout).toContain('Bundle applied');
    expect((await verify(pair.a, pair.adminA)).digest).toBe((await verify(pair.b, pair.adminB)).digest);

    const replay = await cli(['bundle:import', file, ...onA, '--json']);
    expect({ code: replay.code, error: JSON.parse(replay.stderr).error }).toEqual({ code: EXIT.conflict, error: 'ERR_BUNDLE_ALREADY_APPLIED' });

    const accepted = await cli(['bundle:accept-ack', ackFile, ...onB]);
    expect(accepted.code).toBe(EXIT.ok);
    expect(accepted.stdout).toContain('moved');
    await laterality(pair.b, 'cli-bundle');
    const next = join(dir, 'next.prism-bundle');
    expect((await cli(['bundle:export', '--peer', pair.requesterOnB, '--out', next, ...onB])).code).toBe(EXIT.ok);
    const rows = (path: string) => JSON.parse(readFileSync(path, 'utf8').split('\n')[1]).counts.rows as number;
    expect({ first: rows(file) > 20, next: rows(next) }).toEqual({ first: true, next: 1 });
    expect((await cli(['bundle:import', next, ...onA])).code).toBe(EXIT.ok);
    expect(await lateralityRow(pair.a, 'cli-bundle')).toEqual(await lateralityRow(pair.b, 'cli-bundle'));

    const ack2 = join(dir, 'ack2.json');
    expect((await cli(['bundle:ack', '--peer', pair.peerOnA, '--out', ack2, ...onA])).code).toBe(EXIT.ok);
    expect((await cli(['bundle:accept-ack', ack2, ...onB])).stdout).toContain('moved');
  });

  it('refuses a missing file with a usage error and a tampered file with its code', async () => {
    expect((await cli(['bundle:import', join(dir, 'nope'), ...onA])).code).toBe(EXIT.usage);
    const bad = await cli(['bundle:accept-ack', join(dir, 'b-to-a.prism-bundle'), ...onB]);
    expect(bad.code).toBe(EXIT.usage);
  });
});
