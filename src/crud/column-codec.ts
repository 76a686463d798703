import { ColumnModel } from '../core/sync-kernel/table-model';
import { isUuid } from '../core/uuid';

/**
 * Checks one input value against its column model and turns it into the SQL parameter sent to
 * PostgreSQL (which does the final cast: timestamps are passed as text and never touch a JS Date).
 */
export type Decoded = { ok: true; value: string | number | boolean | null } | { ok: false; problem: string };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INT32 = { min: -2147483648, max: 2147483647 };

const ok = (value: string | number | boolean | null): Decoded => ({ ok: true, value });
const fail = (problem: string): Decoded => ({ ok: false, problem });

/** A real day of years 1–9999 (PostgreSQL has no year 0; Date.UTC would read 0–99 as 1900–1999). */
function validCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  return Number(year) >= 1 && date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/** Characters as PostgreSQL counts them for varchar(n) (code points: an emoji is one, not two UTF-16 units). */
function characters(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** A JSON body value for a column. */
export function decodeJson(column: ColumnModel, value: unknown): Decoded {
  if (value === null) return column.nullable ? ok(null) : fail('must not be null');
  switch (column.type) {
    case 'uuid':
      return typeof value === 'string' && isUuid(value) ? ok(value.toLowerCase()) : fail('must be a UUID');
    case 'character varying':
    case 'text':
      if (typeof value !== 'string') return fail('must be a string');
      if (column.length !== undefined && value.length > column.length && characters(value) > column.length) return fail(`must be at most ${column.length} characters`);
      return value.includes('\u0000') ? fail('must not contain NUL characters') : ok(value);
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : fail('must be true or false');
    case 'real':
    case 'double precision':
      return typeof value === 'number' && Number.isFinite(value) ? ok(value) : fail('must be a finite number');
    case 'integer':
      return Number.isInteger(value) && (value as number) >= INT32.min && (value as number) <= INT32.max
        ? ok(value as number)
        : fail('must be an integer (32-bit)');
    case 'bigint':
      if (Number.isSafeInteger(value)) return ok(String(value));
      return typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? ok(value) : fail('must be an integer');
    case 'timestamp with time zone': {
      const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
      return match && validCalendarDate(match[1], match[2], match[3])
        ? ok(value as string)
        : fail('must be an ISO-8601 timestamp with a time zone, e.g. 2026-01-31T12:00:00.123456Z');
    }
    case 'date': {
      const match = typeof value === 'string' ? DATE.exec(value) : null;
      return match && validCalendarDate(match[1], match[2], match[3]) ? ok(value as string) : fail('must be a date YYYY-MM-DD');
    }
    case 'jsonb':
      return ok(JSON.stringify(value));
  }
}

/** A path or query string value for a column (parsed by the column's type first). */
export function decodeText(column: ColumnModel, text: string): Decoded {
  switch (column.type) {
    case 'boolean':
      return text === 'true' || text === 'false' ? ok(text === 'true') : fail('must be true or false');
    case 'real':
    case 'double precision':
    case 'integer':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? decodeJson(column, Number(text)) : fail('must be a number');
    case 'jsonb':
      return fail('cannot be used as a filter');
    default:
      return decodeJson(column, text);
  }
}

/** A short schema description of the column, for OpenAPI. */
export function jsonSchemaOf(column: ColumnModel): Record<string, unknown> {
  const base: Record<string, unknown> = (() => {
    switch (column.type) {
      case 'uuid':
        return { type: 'string', format: 'uuid' };
      case 'character varying':
      case 'text':
        return column.length ? { type: 'string', maxLength: column.length } : { type: 'string' };
      case 'boolean':
        return { type: 'boolean' };
      case 'real':
      case 'double precision':
        return { type: 'number' };
      case 'integer':
        return { type: 'integer', format: 'int32' };
      case 'bigint':
        return { type: 'integer', format: 'int64' };
      case 'timestamp with time zone':
        return { type: 'string', format: 'date-time', example: '2026-01-31T12:00:00.123456Z' };
      case 'date':
        return { type: 'string', format: 'date' };
      case 'jsonb':
        return {};
    }
  })();
  return column.nullable ? { ...base, nullable: true } : base;
}
