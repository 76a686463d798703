import fc from 'fast-check';
import { escapeLiteral } from 'pg';
import { sqlStringLiteral } from '../../../src/sync/pull/sync-logs';

describe('sqlStringLiteral (a sync log value inlined into the ending write)', () => {
  it('writes every string exactly as the driver escapeLiteral does', () => {
    // Quotes, backslashes and JSON's escapes are the cases that matter; the rest is any text.
    const text = fc.string({ unit: fc.constantFrom("'", '\\', '"', 'a', 'é', '\n', '{', '}', 'E', ' ') });
    fc.assert(fc.property(fc.oneof(text, fc.string({ unit: 'grapheme' })), (value) => sqlStringLiteral(value) === escapeLiteral(value)), { numRuns: 2000 });
    expect(sqlStringLiteral(`{"a":"it's"}`)).toBe(`'{"a":"it''s"}'`);
    expect(sqlStringLiteral('a\\b')).toBe(" E'a\\\\b'");
  });
});
