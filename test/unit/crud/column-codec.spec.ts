import { ColumnModel, PgType } from '../../../src/core/sync-kernel/table-model';
import { decodeJson, decodeText } from '../../../src/crud/column-codec';

const column = (type: PgType, extra: Partial<ColumnModel> = {}): ColumnModel => ({
  column: 'c',
  property: 'c',
  type,
  nullable: false,
  primary: false,
  hasDefault: false,
  managed: false,
  ...extra,
});

describe('column codec', () => {
  it.each<[PgType, unknown, unknown]>([
    ['uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['text', 'héllo', 'héllo'],
    ['boolean', false, false],
    ['real', 36.6, 36.6],
    ['integer', -5, -5],
    ['bigint', 9007199254740991, '9007199254740991'],
    ['bigint', '92233720368547758', '92233720368547758'],
    ['timestamp with time zone', '2026-01-31T12:00:00.123456Z', '2026-01-31T12:00:00.123456Z'],
    ['timestamp with time zone', '2026-01-31T12:00+01:30', '2026-01-31T12:00+01:30'],
    ['timestamp with time zone', '2024-02-29T00:00:00.1234567Z', '2024-02-29T00:00:00.1234567Z'],
    ['date', '2024-02-29', '2024-02-29'],
    ['jsonb', { a: [1, null] }, '{"a":[1,null]}'],
  ])('accepts %s %j', (type, input, output) => {
    expect(decodeJson(column(type), input)).toEqual({ ok: true, value: output });
  });

  it.each<[PgType, unknown]>([
    ['uuid', 'not-a-uuid'],
    ['text', 5],
    ['text', 'a\u0000b'],
    ['boolean', 'true'],
    ['real', Infinity],
    ['real', '1.5'],
    ['integer', 1.5],
    ['integer', 2 ** 31],
    ['bigint', 1.5],
    ['timestamp with time zone', '2026-01-31T12:00:00'],
    ['timestamp with time zone', '2026-02-30T12:00:00Z'],
    ['timestamp with time zone', 1700000000000],
    ['date', '2023-02-29'],
    ['uuid', null],
  ])('rejects %s %j', (type, input) => {
    expect(decodeJson(column(type), input).ok).toBe(false);
  });

  it('checks the length of varchar columns and the nullability of every column', () => {
    expect(decodeJson(column('character varying', { length: 3 }), 'abcd')).toEqual({ ok: false, problem: 'must be at most 3 characters' });
    expect(decodeJson(column('character varying', { length: 3 }), 'abc').ok).toBe(true);
    expect(decodeJson(column('real', { nullable: true }), null)).toEqual({ ok: true, value: null });
  });

  it('parses path and query text by the column type', () => {
    expect(decodeText(column('boolean'), 'true')).toEqual({ ok: true, value: true });
    expect(decodeText(column('boolean'), 'yes').ok).toBe(false);
    expect(decodeText(column('integer'), '42')).toEqual({ ok: true, value: 42 });
    expect(decodeText(column('real'), '4.5e1')).toEqual({ ok: true, value: 45 });
    expect(decodeText(column('real'), '4,5').ok).toBe(false);
    expect(decodeText(column('jsonb'), '{}').ok).toBe(false);
  });
});
