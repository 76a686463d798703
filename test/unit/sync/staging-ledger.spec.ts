import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagingArea } from '../../../src/sync/import/staging';

/**
 * A batch's pages are recorded in the ledger file once, after the batch (PageCheckpoint.deferred):
 * until then the file is the ledger before them, so a kill loses them whole (reopen cuts them
 * away and a resume fetches them again), never half of one.
 */
describe('deferred ledger writes', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'prism-ledger-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const page = (key: string, n: number, deferred: boolean) => ({ key, position: { after: `p${n}`, page: n + 1 }, count: 1, deferred });

  it('a deferred page is not in the file until written: a kill before loses it whole', async () => {
    const staging = StagingArea.create(root, 'job-1');
    staging.startLedger({ peer: 'p' });
    await staging.appendPages([{ table: 'volunteer', text: '[1]' }], page('volunteers', 1, true));
    await staging.appendPages([{ table: 'researcher', text: '[2]' }], page('researchers', 1, true));
    // The file: the ledger before the batch (no position, no page bytes).
    expect(StagingArea.readLedger(staging.dir)?.positions).toEqual({});
    await staging.seal();
    const cutBack = StagingArea.reopen(staging.dir)!;
    expect(cutBack.hasPages('volunteer')).toBe(false);
    expect(cutBack.isEmpty).toBe(true);
  });

  it('flushLedger writes every deferred page; a page written as usual carries the deferred ones before it', async () => {
    const staging = StagingArea.create(root, 'job-1');
    staging.startLedger({ peer: 'p' });
    await staging.appendPages([{ table: 'volunteer', text: '[1]' }], page('volunteers', 1, true));
    await staging.flushLedger();
    expect(Object.keys(StagingArea.readLedger(staging.dir)!.positions)).toEqual(['volunteers']);
    await staging.appendPages([{ table: 'researcher', text: '[2]' }], page('researchers', 1, true));
    await staging.appendPages([{ table: 'device', text: '[3]' }], page('devices', 1, false));
    expect(Object.keys(StagingArea.readLedger(staging.dir)!.positions).sort()).toEqual(['devices', 'researchers', 'volunteers']);
    await staging.seal();
    const reopened = StagingArea.reopen(staging.dir)!;
    expect(['volunteer', 'researcher', 'device'].map((t) => reopened.hasPages(t))).toEqual([true, true, true]);
  });
});
