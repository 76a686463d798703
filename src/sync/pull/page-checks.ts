import { PeerError } from '../../core/errors/peer-error';
import { FileColumns } from '../../core/sync-kernel/table-model';
import { FileRef } from '../files/synced-files.port';

/**
 * The checks of what a peer sends in a window page, shared by both page formats (JSON and COPY
 * pages), the reference download and bundle import: structure here, column values by PostgreSQL
 * when the rows are loaded into their typed tables.
 */

export interface WindowPage {
  data: Record<string, unknown>[];
  deleted: unknown[];
  table: string | null;
  next: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function malformed(message: string): PeerError {
  return new PeerError(0, 'ERR_MALFORMED_PAGE', `malformed page from the peer: ${message}`, false);
}

/** Structural check of a window page; column values are checked by PostgreSQL at apply. */
export function validatePage(page: unknown, tables: Set<string>): WindowPage {
  const p = page as WindowPage;
  if (!p || typeof p !== 'object' || !Array.isArray(p.data) || !Array.isArray(p.deleted)) throw malformed('data/deleted must be arrays');
  if (p.next !== null && typeof p.next !== 'string') throw malformed('next must be a string or null');
  if (p.data.length > 0 && (typeof p.table !== 'string' || !tables.has(p.table))) throw malformed(`unexpected table ${String(p.table)}`);
  if (p.data.some((row) => !row || typeof row !== 'object' || Array.isArray(row))) throw malformed('rows must be objects');
  validateTombstones(p.deleted, tables);
  return p;
}

/** Structural check of a page's tombstones. */
export function validateTombstones(deleted: unknown[], tables: Set<string>): void {
  for (const d of deleted as Record<string, unknown>[]) {
    if (!d || typeof d.table !== 'string' || !tables.has(d.table) || !d.key || typeof d.key !== 'object' || typeof d.deletedAt !== 'string') {
      throw malformed('bad tombstone');
    }
  }
}

/** The files the rows of a page reference (first row per content wins), checked for shape. */
export function collectFileRefs(rows: Record<string, unknown>[], columns: FileColumns, into: Map<string, FileRef>): void {
  for (const row of rows) {
    const sha = row[columns.hash.property];
    if (sha === null || sha === undefined) continue;
    const size = Number(row[columns.size.property]);
    const id = row[columns.key.property];
    if (typeof sha !== 'string' || !SHA256.test(sha) || !Number.isSafeInteger(size) || size < 0 || typeof id !== 'string') {
      throw malformed(`${columns.spec.table} ${String(id)} has a bad file reference`);
    }
    if (!into.has(sha)) into.set(sha, { sha256: sha, size, rowId: id });
  }
}

/** The references of a page not yet known (first row per content wins), added to `known`. */
export function newRefs(page: Map<string, FileRef>, known: Map<string, FileRef>): FileRef[] {
  const added = [...page.values()].filter((f) => !known.has(f.sha256));
  for (const f of added) known.set(f.sha256, f);
  return added;
}
