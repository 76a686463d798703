import { QueryFailedError } from 'typeorm';
import { AppError } from './app-error';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  column?: string;
  table?: string;
}

/**
 * PostgreSQL integrity errors that reach the edge are the client's fault (a clash or a reference
 * to a missing row), so they become 409/422 instead of 500.
 */
export function fromDatabaseError(exception: unknown): AppError | undefined {
  const pg = (exception instanceof QueryFailedError ? exception.driverError : exception) as PgError | undefined;
  if (!pg || typeof pg.code !== 'string') return undefined;
  const details = { constraint: pg.constraint, detail: pg.detail };
  switch (pg.code) {
    case '23505':
      return new AppError(409, 'ERR_UNIQUE_VIOLATION', pg.detail ?? 'a row with this value already exists', { details });
    case '23503':
      return new AppError(422, 'ERR_REFERENCE_NOT_FOUND', pg.detail ?? 'a referenced row does not exist', { details });
    case '23502':
      return new AppError(400, 'ERR_VALIDATION', `${pg.column ?? 'a column'} must not be null`, { details });
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
    case '22001':
      return new AppError(400, 'ERR_VALIDATION', pg.detail ?? 'a value has the wrong format or size', { details });
    // A NUL character (\u0000, %00) in text or JSON: PostgreSQL stores neither.
    case '22021':
    case '22P05':
      return new AppError(400, 'ERR_VALIDATION', 'a value contains a character the database cannot store (e.g. \\u0000)', { details: { constraint: pg.constraint } });
    default:
      return undefined;
  }
}

/** A PostgreSQL error (SQLSTATE code: five digits or capitals), raw or wrapped by TypeORM. */
export function isDatabaseError(exception: unknown): boolean {
  const pg = (exception instanceof QueryFailedError ? exception.driverError : exception) as PgError | undefined;
  return typeof pg?.code === 'string' && /^[0-9A-Z]{5}$/.test(pg.code);
}
