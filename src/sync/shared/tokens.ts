import { AppError } from '../../core/errors/app-error';
import { isSnapshotText } from '../../core/sync-kernel/sql';

/**
 * Opaque tokens of the change feed, base64url JSON. Peers must treat them as opaque; we version
 * them so a future format can be told apart.
 */

/** Where the next pull from this source starts: after what the previous window's snapshot saw. */
export interface FeedCursor {
  v: 1;
  /** Source transaction-id bound (pg_snapshot_xmin of the previous window's snapshot). */
  xid: string;
  /** The previous window's whole snapshot (pg_snapshot text); cursors without it mean "every xid >= xid". */
  snap?: string;
  /** Source database identity; a cursor of another database (restored, replaced) is refused. */
  db: string;
}

/** One export window: the exported snapshot every page of a pull reads, and the lower bound. */
export interface WindowToken {
  v: 1;
  /** pg_export_snapshot() id, held by the serving node until the window is closed or idle. */
  snapshot: string;
  /** Lower bound: rows written by transactions this pg_snapshot did not see. */
  from: string;
  /** This window's own snapshot (pg_snapshot text): the next cursor's bound. */
  to: string;
  db: string;
}

/** Keyset position inside one feed of a window: table index (or tombstones) and last key. */
export interface PageToken {
  v: 1;
  /** Index into the feed's tables; equal to tables.length for the feed's tombstones. */
  t: number;
  /** change_xid (or tombstone id) of the last row served. */
  x: string;
  /** Primary key values of the last row served (empty for tombstones). */
  k: string[];
}

export function encodeToken(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decode<T extends { v: number }>(token: string, kind: string, valid: (v: T) => boolean): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as T).v !== 1 || !valid(parsed as T)) {
    throw new AppError(400, 'ERR_INVALID_TOKEN_FORMAT', `malformed ${kind} token`, { details: { parameter: kind } });
  }
  return parsed as T;
}

const isXid = (s: unknown) => typeof s === 'string' && /^\d{1,20}$/.test(s);

export const decodeCursor = (token: string) =>
  decode<FeedCursor>(token, 'cursor', (c) => isXid(c.xid) && typeof c.db === 'string' && (c.snap === undefined || isSnapshotText(c.snap)));

/** The snapshot a cursor stands for (an xid-only cursor: everything from that xid on). */
export const cursorSnapshot = (cursor: FeedCursor): string => cursor.snap ?? `${cursor.xid}:${cursor.xid}:`;

export const decodeWindow = (token: string) =>
  decode<WindowToken>(
    token,
    'window',
    (w) => typeof w.snapshot === 'string' && /^[0-9A-F-]+$/i.test(w.snapshot) && isSnapshotText(w.from) && isSnapshotText(w.to) && typeof w.db === 'string',
  );

export const decodePage = (token: string) =>
  decode<PageToken>(
    token,
    'after',
    (p) => Number.isInteger(p.t) && p.t >= 0 && p.t < 100 && isXid(p.x) && Array.isArray(p.k) && p.k.every((k) => typeof k === 'string'),
  );
