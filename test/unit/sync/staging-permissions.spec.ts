import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagingArea } from '../../../src/sync/import/staging';

describe('staging is private to the node\'s OS user', () => {
  let root: string;
  const previousUmask = process.umask(0o022);

  afterAll(() => {
    process.umask(previousUmask);
    rmSync(root, { recursive: true, force: true });
  });

  it('directories 0700 and page files 0600, even under a permissive umask and an existing 0755 root', async () => {
    root = join(mkdtempSync(join(tmpdir(), 'prism-staging-')), 'staging');
    const staging = StagingArea.create(root, 'job-1');
    await staging.appendPage('volunteer', '[["{}"]]');
    await staging.appendPage('_tombstones', '[]');
    await staging.seal();
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect([mode(root), mode(staging.dir), mode(staging.filesDir)]).toEqual([0o700, 0o700, 0o700]);
    expect([mode(staging.pageFile('volunteer')), mode(staging.tombstoneFile)]).toEqual([0o600, 0o600]);
  });
});
