import { closeSync, openSync, readSync } from 'node:fs';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { FrameBuffers, frameBuffers } from '../shared/frame-buffers';

interface PgClient {
  query<T>(stream: T): T;
  /** node-postgres's protocol connection: its socket, which pg-copy-streams writes our chunks to as they are. */
  connection: { stream: Writable };
}

/**
 * Runs a COPY … FROM STDIN with a staged file's contents on the runner's connection; answers the
 * rows copied. The file is read into one reused buffer (FrameBuffers), each read written to the
 * COPY and the buffer refilled only once the connection's socket has handed it to the kernel:
 * a stream's fresh 64 KB Buffer per read, queued while PostgreSQL works, outlived the young
 * generation and piled up until a full collection (bench/README.md, "Pages read in place").
 * Reads are synchronous (from the page cache, where the fetch just wrote the file): a read through
 * libuv's thread pool is a wait for a thread and the event loop under load, per chunk.
 */
export async function copyStagedFile(runner: QueryRunner, copySql: string, file: string, buffers: FrameBuffers = frameBuffers): Promise<number> {
  // Opened before the COPY starts: a file that is gone (a failed pull's staging) fails here, not in a COPY that waits for data.
  const fd = openSync(file, 'r');
  const client = (runner as unknown as { databaseConnection: PgClient }).databaseConnection;
  const copy = client.query(copyFrom(copySql));
  const buffer = buffers.take();
  try {
    await copyFileInto(copy, client.connection.stream, fd, buffer);
    buffers.give(buffer);
  } finally {
    closeSync(fd);
  }
  return copy.rowCount;
}

/**
 * Writes the file `fd` to `copy` through `buffer` and ends it; resolves once PostgreSQL has
 * taken the COPY. On a failure the COPY is abandoned (CopyFail) and the error rethrown; the
 * buffer may then still be in the socket's queue, so the caller must not reuse it.
 */
async function copyFileInto(copy: Writable, socket: Writable, fd: number, buffer: Buffer): Promise<void> {
  let failure: Error | undefined;
  // Kept for the COPY's life: a destroyed COPY may emit its error again.
  const failed = new Promise<never>((_, reject) => copy.on('error', (error: Error) => reject((failure ??= error))));
  failed.catch(() => undefined);
  const settled = (work: Promise<unknown>) => Promise.race([work, failed]);
  try {
    for (;;) {
      const length = readSync(fd, buffer, 0, buffer.length, null);
      if (length === 0) break;
      await settled(new Promise<void>((resolve, reject) => copy.write(buffer.subarray(0, length), (error) => (error ? reject(error) : resolve()))));
      // pg-copy-streams calls back once the socket took the chunk; it may still be queued there (or in libuv's write).
      while (socket.writableLength > 0 && !socket.destroyed && !failure) await settled(new Promise<void>((resolve) => setImmediate(resolve)));
      if (failure) throw failure;
    }
    copy.end();
    await settled(finished(copy));
  } catch (error) {
    // As pipeline did: CopyFail is sent, and the connection's next query waits behind it.
    if (!copy.destroyed) copy.destroy(error as Error);
    throw error;
  }
}

/** A value PostgreSQL refused while loading a page (SQLSTATE class 22, data exception) is the peer's malformed page. */
export function malformedValues(error: unknown, table: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('22')) return error;
  return AppError.of('ERR_MALFORMED_PAGE', `malformed page from the peer: ${table}: ${(error as Error).message}`, { cause: error });
}
