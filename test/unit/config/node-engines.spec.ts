import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies, validRange } from 'semver';

/**
 * The Node versions package.json declares are the ones every locked package supports: npm warns
 * (EBADENGINE) at install for each package whose `engines.node` leaves one out, and such a package
 * may use what that Node lacks (issue 17: `file-type@22` declared Node 22 while we declared 20.19).
 */
const root = join(__dirname, '../../..');
const declared: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
const lock: { packages: Record<string, { engines?: { node?: string } }> } = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

/** The lowest version of each alternative of the declared range, and the Node running the tests. */
function versionsToSupport(range: string): string[] {
  const lowest = range.split('||').map((part) => minVersion(part.trim())!.version);
  return [...new Set([...lowest, process.versions.node])];
}

/** Locked packages whose `engines.node` leaves out one of `versions`, as "name needs range (leaves out v)". */
function packagesLeavingOut(versions: string[]): string[] {
  const found: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines?.node;
    if (!path || !range || !validRange(range)) continue;
    const missing = versions.filter((version) => !satisfies(version, range));
    if (missing.length) found.push(`${path.replace(/^.*node_modules\//, '')} needs ${range} (leaves out ${missing.join(', ')})`);
  }
  return found;
}

describe('the declared Node versions', () => {
  it('are a valid range whose lowest versions include the Node running the tests', () => {
    expect(validRange(declared)).not.toBeNull();
    expect(satisfies(process.versions.node, declared)).toBe(true);
    expect(versionsToSupport(declared)).toEqual(expect.arrayContaining(['20.19.0', '22.13.0', '24.11.0']));
  });

  it('are supported by every package of the lock file', () => {
    expect(packagesLeavingOut(versionsToSupport(declared))).toEqual([]);
  });

  it('would be reported for a package that leaves one out (the check can fail)', () => {
    const before = lock.packages['node_modules/@nestjs/common/node_modules/file-type'] ?? lock.packages['node_modules/file-type'];
    expect(before).toBeDefined();
    const saved = before.engines;
    before.engines = { node: '>=22' };
    try {
      expect(packagesLeavingOut(['20.19.0'])).toEqual([expect.stringMatching(/^file-type needs >=22 \(leaves out 20\.19\.0\)$/)]);
    } finally {
      before.engines = saved;
    }
  });
});
