import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DataSource, QueryRunner } from 'typeorm';
import { ByteRange } from '../../core/http/range';
import type { PositionalFile } from '../../core/positional-file';
import type { VerifiedFile } from './verified-file';

/** A file a synced row references, as a peer's page announces it. */
export interface FileRef {
  sha256: string;
  size: number;
  /** Key of a row of the peer that references this content (the file is fetched through it). */
  rowId: string;
}

/** A file this node serves to a peer, by the row that references it. */
export interface ServedFile {
  rowId: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** Where the reference keeps a served file: its name and blob path (the base64 form names them). */
export interface ReferencePlacement {
  fileName: string;
  blobPath: string;
}

export interface FileTotals {
  count: number;
  bytes: number;
}

/** Content that hashed differently from what the peer announced: nothing was stored. */
export interface RejectedContent {
  sha256: string;
  size: number;
}

/**
 * The port through which the sync engine reaches the files that synced rows reference (the
 * catalog's FileSpec). The module owning the file columns implements it and holds every SQL
 * statement on them; the engine never names that table or its columns.
 */
export abstract class SyncedFiles {
  /** The file a row references (404 when it has none). */
  abstract served(rowId: string): Promise<ServedFile>;
  /** The reference's file name and blob path of a served file (its base64 form only). */
  abstract placement(file: ServedFile): Promise<ReferencePlacement>;
  abstract openRead(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * The file to read at positions into the caller's buffer (the stream route frames it without a
   * fresh buffer per read); undefined where the store cannot (openRead then).
   */
  async openPositional(_sha256: string): Promise<PositionalFile | undefined> {
    return undefined;
  }
  /** Distinct files referenced by rows in an export window (rows changed since `fromSnapshot`, see changedSince). */
  abstract windowTotals(runner: QueryRunner, fromSnapshot: string): Promise<FileTotals>;
  /** Files referenced by rows changed after `since` (the reference's manifest; null: all). */
  abstract changedTotals(runner: QueryRunner | DataSource, since: string | null): Promise<FileTotals>;
  /** Every distinct hash committed rows reference, sorted (verify). */
  abstract referencedHashes(runner: QueryRunner): Promise<string[]>;

  abstract has(sha256: string): Promise<boolean>;
  /** Stores content verified against the announced hash and size; stores nothing otherwise. */
  abstract store(source: Readable, expected: { sha256: string; size: number }): Promise<RejectedContent | undefined>;
  /**
   * Takes a file received and verified on local disk into the store, without reading or copying
   * it again where the store can (a store on the same filesystem moves it); the local file is gone
   * afterwards. Not durable until `makeDurable`. By default: store() from the file, then remove it.
   */
  async adopt(file: VerifiedFile): Promise<void> {
    const rejected = await this.store(createReadStream(file.path), { sha256: file.sha256, size: file.size });
    if (rejected) throw new Error(`verified file ${file.sha256} changed on disk before it was stored (${rejected.sha256}, ${rejected.size} bytes)`);
    await rm(file.path, { force: true });
  }
  /**
   * Makes the files adopted by one batch durable: one flush per file (but those in `flushed`, whose
   * flushFile completed) and per directory; rows that reference them commit only after. By default
   * nothing: store() returns once its file is durable.
   */
  async makeDurable(_hashes: readonly string[], _options: { flushed?: ReadonlySet<string> } = {}): Promise<void> {}
  /**
   * Flushes one adopted file's content now, while the rest of the batch still arrives (the flushes
   * overlap the transfers instead of all waiting at the end); makeDurable then skips it and flushes
   * its directories. By default nothing.
   */
  async flushFile(_sha256: string): Promise<void> {}
  /** Where this node keeps a file (the locator column of imported rows). */
  abstract locator(sha256: string): string;
  /**
   * The one file collector: deletes those of `hashes` that no committed row references. Callers
   * hold the sync lock (no pull is storing files it is about to commit) or own the hashes.
   */
  abstract collectGarbage(hashes: Iterable<string>): Promise<void>;
  /** Every hash in the content store (the scheduled sweep's candidates). */
  abstract storedHashes(): Promise<string[]>;
}
