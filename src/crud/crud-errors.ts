import { QueryFailedError } from 'typeorm';
import { AppError } from '../core/errors/app-error';
import { CompiledResource } from './compiled-resource';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** `Key (a, b)=(x, y) …` of a PostgreSQL integrity error → columns and their values. */
function keyOf(detail: string | undefined): { columns: string[]; values: string[]; table?: string } | undefined {
  const match = /^Key \((.+?)\)=\((.*)\) (?:is not present in|is still referenced from|already exists)(?: table "([^"]+)")?/.exec(
    detail ?? '',
  );
  if (!match) return undefined;
  const columns = match[1].split(', ');
  const values = columns.length === 1 ? [match[2]] : match[2].split(', ');
  return { columns, values, table: match[3] };
}

export type WriteKind = 'create' | 'update' | 'delete';

/**
 * Maps integrity errors of a CRUD write to client errors naming the fields: a missing parent in the
 * path → 404, a missing referenced row → 422, a clash → 409, a delete blocked by a RESTRICT
 * reference → 409. Anything else is rethrown.
 */
export function mapWriteError(resource: CompiledResource, kind: WriteKind, error: unknown): never {
  const pg = (error instanceof QueryFailedError ? error.driverError : error) as PgError;
  const key = keyOf(pg?.detail);
  const propertyOf = (column: string) => resource.model.columns.find((c) => c.column === column)?.property ?? column;
  const fields = key?.columns.map((column, i) => ({ field: propertyOf(column), value: key.values[i] })) ?? [];
  if (pg?.code === '23503' && kind === 'delete') {
    throw new AppError(409, 'ERR_STILL_REFERENCED', `${resource.def.name} is still referenced by ${key?.table ?? 'another row'}`, {
      details: { referencedBy: key?.table, constraint: pg.constraint },
    });
  }
  if (pg?.code === '23503') {
    const scoped = resource.scope.find((s) => key?.columns.includes(s.column.column));
    if (scoped) throw new AppError(404, 'ERR_NOT_FOUND', `parent ${scoped.param} ${fields[0]?.value} not found`);
    const names = fields.map((f) => `${f.field}=${f.value}`).join(', ');
    throw new AppError(422, 'ERR_REFERENCE_NOT_FOUND', `referenced row not found: ${names || pg.detail}`, {
      details: { fields, constraint: pg.constraint, ...(fields.length === 1 ? fields[0] : {}) },
    });
  }
  if (pg?.code === '23505') {
    throw new AppError(409, 'ERR_UNIQUE_VIOLATION', `a ${resource.def.name} row with ${fields.map((f) => `${f.field}=${f.value}`).join(', ')} already exists`, {
      details: { fields, constraint: pg.constraint },
    });
  }
  throw error;
}

export function notFound(resource: CompiledResource, params: Record<string, string>): AppError {
  const key = [...resource.scope, ...resource.item].map((p) => `${p.param}=${params[p.param]}`).join(', ');
  return new AppError(404, 'ERR_NOT_FOUND', `${resource.def.name} not found (${key})`);
}
