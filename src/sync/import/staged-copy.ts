import { createReadStream, readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { streamGarbage } from '../shared/garbage-budget';

/** Staged files up to this size are read in one call for their COPY; bigger ones stream. */
const SMALL_STAGED_FILE = 256 * 1024;

interface PgClient {
  query<T>(stream: T): T;
}

/**
 * Runs a COPY … FROM STDIN with a staged file's contents on the runner's connection; answers the
 * rows copied. A small file (a small pull stages a few rows per table) is read at once: a stream
 * costs an open, reads and a close through libuv's thread pool, each a wait for a thread and the
 * event loop under load.
 */
export async function copyStagedFile(runner: QueryRunner, copySql: string, file: string): Promise<number> {
  // Read before the COPY starts: a file that is gone (a failed pull's staging) fails here, not in a COPY that waits for data.
  const data = statSync(file).size <= SMALL_STAGED_FILE ? readFileSync(file) : undefined;
  const client = (runner as unknown as { databaseConnection: PgClient }).databaseConnection;
  const copy = client.query(copyFrom(copySql));
  const source = data ? Readable.from([data]) : createReadStream(file);
  // Every chunk read is a Buffer dropped once sent: the loads beside a fetch count in its budget.
  source.on('data', (chunk: Buffer) => streamGarbage.spent(chunk.length));
  await pipeline(source, copy);
  return copy.rowCount;
}

/** A value PostgreSQL refused while loading a page (SQLSTATE class 22, data exception) is the peer's malformed page. */
export function malformedValues(error: unknown, table: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('22')) return error;
  return AppError.of('ERR_MALFORMED_PAGE', `malformed page from the peer: ${table}: ${(error as Error).message}`, { cause: error });
}
