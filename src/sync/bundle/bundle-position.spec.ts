import { AppError } from '../../core/errors/app-error';
import { encodeToken } from '../shared/tokens';
import { checkBundlePosition } from './bundle-importer';

const cursor = (snap: string, db = '1:prism') => encodeToken({ v: 1, xid: snap.split(':')[0], snap, db });
const window = (from: string, to: string, db = '1:prism') => ({ from, to, cursorFrom: null, nextCursor: cursor(to, db), reset: false, full: false });
const refusal = (f: () => void) => {
  try {
    f();
    return 'applies';
  } catch (error) {
    return (error as AppError).code;
  }
};

describe('checkBundlePosition (where a bundle stands against what was applied)', () => {
  it('applies a first bundle from the beginning, and refuses one that starts later (a gap)', () => {
    expect(refusal(() => checkBundlePosition(window('1:1:', '200:200:'), null))).toBe('applies');
    expect(refusal(() => checkBundlePosition(window('100:100:', '200:200:'), null))).toBe('ERR_BUNDLE_GAP');
  });

  it('applies a bundle that starts at or before the position and ends after it (a superset)', () => {
    expect(refusal(() => checkBundlePosition(window('100:100:', '200:200:'), cursor('100:100:')))).toBe('applies');
    expect(refusal(() => checkBundlePosition(window('50:50:', '200:200:'), cursor('100:100:')))).toBe('applies');
  });

  it('says the same bundle was already applied, an older one is stale, a later start is a gap', () => {
    expect(refusal(() => checkBundlePosition(window('100:100:', '200:200:'), cursor('200:200:')))).toBe('ERR_BUNDLE_ALREADY_APPLIED');
    expect(refusal(() => checkBundlePosition(window('100:100:', '150:150:'), cursor('200:200:')))).toBe('ERR_BUNDLE_STALE');
    expect(refusal(() => checkBundlePosition(window('150:150:', '300:300:'), cursor('100:100:')))).toBe('ERR_BUNDLE_GAP');
  });

  it('a position in another database of the exporter counts as none', () => {
    expect(refusal(() => checkBundlePosition(window('1:1:', '200:200:'), cursor('500:500:', '2:old')))).toBe('applies');
    expect(refusal(() => checkBundlePosition(window('100:100:', '200:200:'), cursor('100:100:', '2:old')))).toBe('ERR_BUNDLE_GAP');
  });
});
