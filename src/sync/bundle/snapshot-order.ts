import { isSnapshotText } from '../../core/sync-kernel/sql';

/** A pg_snapshot (xmin:xmax:xip-list) as numbers. */
interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

function parse(text: string): Snapshot {
  if (!isSnapshotText(text)) throw new Error(`not a pg_snapshot: ${String(text).slice(0, 40)}`);
  const [xmin, xmax, list] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), xip: list ? list.split(',').map((x) => BigInt(x)) : [] };
}

/** PostgreSQL's pg_visible_in_snapshot. */
function visible(s: Snapshot, xid: bigint): boolean {
  return xid < s.xmin || (xid < s.xmax && !s.xip.includes(xid));
}

/**
 * Whether snapshot `later` sees every transaction `earlier` sees: the change-feed position
 * `later` is at or beyond `earlier` (a window from `earlier` to `later` delivers nothing twice
 * and skips nothing). A transaction `earlier` sees but `later` does not is either in later's
 * in-progress list, or at/after later's xmax without being in earlier's in-progress list.
 */
export function snapshotCovers(later: string, earlier: string): boolean {
  const a = parse(earlier);
  const b = parse(later);
  if (b.xip.some((x) => visible(a, x))) return false;
  if (a.xmax <= b.xmax) return true;
  const inProgressAbove = a.xip.filter((x) => x >= b.xmax && x < a.xmax).length;
  return BigInt(inProgressAbove) === a.xmax - b.xmax;
}
