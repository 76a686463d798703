import { ChildSpec, FeedSpec } from '../../core/sync-kernel/aggregate-spec';

export interface ManifestRequest {
  since?: string;
  cursor?: string;
  /** The requester speaks our protocol (X-Sync-Protocol): open an export window. */
  windowMode: boolean;
  /** Who asks (registry id of the peer node): a new window replaces its previous one. */
  peer: string;
}

export interface PageRequest {
  /** Who asks (registry id of the peer node): its reference-mode pages share one snapshot per pull. */
  caller?: string;
  since?: string;
  page?: number;
  pageSize?: number;
  window?: string;
  after?: string;
}

export interface TombstoneWire {
  table: string;
  key: Record<string, string>;
  deletedAt: string;
  originNodeId: string;
}

/** The manifest (reference flat shape + our additive fields, SPEC §5.2): the wire contract in client/. */
export type { SyncManifest, WindowStats } from '../../../client/src/types';

/** A feed's tables in window order: the root, then its children depth-first. */
export function feedTables(feed: FeedSpec): string[] {
  const walk = (children: ChildSpec[] = []): string[] => children.flatMap((c) => [c.table, ...walk(c.children)]);
  return [feed.root, ...walk(feed.children)];
}
