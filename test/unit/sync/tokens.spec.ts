import { AppError } from '../../../src/core/errors/app-error';
import { cursorSnapshot, decodeCursor, decodePage, decodeWindow, encodeToken } from '../../../src/sync/shared/tokens';

const refused = (decode: () => unknown, parameter: string) => {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'ERR_INVALID_TOKEN_FORMAT', details: { parameter } });
    return;
  }
  throw new Error('the token was accepted');
};

describe('change-feed tokens', () => {
  it('round-trips cursors, windows and page positions as opaque base64url', () => {
    const cursor = { v: 1, xid: '12345', snap: '12345:12350:12345,12347', db: '16384:prism' } as const;
    const window = { v: 1, snapshot: '00000003-0000001B-1', from: '1:1:', to: '900:905:901', db: '16384:prism' } as const;
    const page = { v: 1, t: 2, x: '77', k: ['a', 'b'] } as const;
    for (const token of [encodeToken(cursor), encodeToken(window), encodeToken(page)]) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encodeToken(cursor))).toEqual(cursor);
    // A cursor of an older node (no snapshot) stands for "every xid from there on".
    expect(cursorSnapshot(decodeCursor(encodeToken({ v: 1, xid: '77', db: 'x' })))).toBe('77:77:');
    expect(cursorSnapshot(cursor)).toBe('12345:12350:12345,12347');
    expect(decodeWindow(encodeToken(window))).toEqual(window);
    expect(decodePage(encodeToken(page))).toEqual(page);
  });

  it('refuses tokens of another version, shape or encoding with 400 naming the parameter', () => {
    refused(() => decodeCursor(encodeToken({ v: 2, xid: '1', db: 'x' })), 'cursor');
    refused(() => decodeCursor(encodeToken({ v: 1, xid: '1e5', db: 'x' })), 'cursor');
    refused(() => decodeCursor(encodeToken({ v: 1, xid: '9'.repeat(21), db: 'x' })), 'cursor');
    refused(() => decodeCursor('not base64 json'), 'cursor');
    refused(() => decodeCursor(encodeToken({ v: 1, xid: '1', snap: "1:2:'; DROP TABLE t; --", db: 'x' })), 'cursor');
    refused(() => decodeWindow(encodeToken({ v: 1, snapshot: '0000-1', from: '0', to: '1:1:', db: 'x' })), 'window');
    refused(() => decodeWindow(encodeToken({ v: 1, snapshot: "x'; DROP TABLE t; --", from: '1:1:', to: '1:1:', db: 'x' })), 'window');
    refused(() => decodeWindow(encodeToken({ v: 1, snapshot: '0000-1', from: '-1:1:', to: '1:1:', db: 'x' })), 'window');
    refused(() => decodePage(encodeToken({ v: 1, t: 100, x: '1', k: [] })), 'after');
    refused(() => decodePage(encodeToken({ v: 1, t: -1, x: '1', k: [] })), 'after');
    refused(() => decodePage(encodeToken({ v: 1, t: 0, x: '1', k: [1] })), 'after');
  });
});
