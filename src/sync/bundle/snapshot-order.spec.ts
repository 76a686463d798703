import { snapshotCovers } from './snapshot-order';

describe('snapshotCovers (change-feed positions)', () => {
  it('the empty snapshot is covered by every position and covers only itself', () => {
    expect(snapshotCovers('100:100:', '1:1:')).toBe(true);
    expect(snapshotCovers('1:1:', '1:1:')).toBe(true);
    expect(snapshotCovers('1:1:', '100:100:')).toBe(false);
  });

  it('a later snapshot covers an earlier one, not the other way round', () => {
    expect(snapshotCovers('120:125:', '100:110:')).toBe(true);
    expect(snapshotCovers('100:110:', '120:125:')).toBe(false);
    expect(snapshotCovers('100:110:', '100:110:')).toBe(true);
  });

  it('a transaction in progress at the later snapshot that the earlier one saw breaks the order', () => {
    // 105 committed before the earlier snapshot; the "later" one still lists it as running: not a later position.
    expect(snapshotCovers('100:120:105', '110:110:')).toBe(false);
    // 115 was running at both: covered.
    expect(snapshotCovers('115:130:115', '110:120:115')).toBe(true);
    // 115 was running at the earlier one and committed before the later: covered.
    expect(snapshotCovers('130:130:', '110:120:115')).toBe(true);
  });

  it('an earlier xmax above the later one is covered only when everything between was running', () => {
    expect(snapshotCovers('100:102:', '100:104:102,103')).toBe(true);
    expect(snapshotCovers('100:102:', '100:104:102')).toBe(false);
  });

  it('refuses text that is not a pg_snapshot', () => {
    expect(() => snapshotCovers('x', '1:1:')).toThrow(/pg_snapshot/);
  });
});
