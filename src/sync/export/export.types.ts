import { AggregateName, ChildSpec, FeedSpec } from '../../core/sync-kernel/aggregate-spec';

export interface ManifestRequest {
  since?: string;
  cursor?: string;
  /** The requester speaks our protocol (X-Sync-Protocol): open an export window. */
  windowMode: boolean;
  /** Who asks (registry id of the peer node): a new window replaces its previous one. */
  peer: string;
}

export interface PageRequest {
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

export interface WindowStats {
  rows: number;
  tombstones: number;
  bytes: number;
}

/** The reference's flat manifest plus our additive fields (SPEC §5.2). */
export interface SyncManifest {
  nodeId: string;
  protocolNodeId: string;
  nodeName: string;
  generatedAt: string;
  serverTime: string;
  lastSyncedAt: null;
  protocolVersion: string;
  schemaVersion: string;
  snomed?: { count: number; latestUpdate: string | null };
  volunteers?: { count: number; latestUpdate: string | null };
  researchers?: { count: number; latestUpdate: string | null };
  devices?: { count: number; latestUpdate: string | null };
  research?: { count: number; latestUpdate: string | null };
  sessions?: { count: number; latestUpdate: string | null };
  recordings?: { count: number; totalSizeBytes: number };
  feeds?: { route: string; aggregate: AggregateName; rows: number; tombstones: number; bytes: number }[];
  aggregates?: Partial<Record<AggregateName, WindowStats>>;
  files?: { count: number; totalBytes: number };
  window?: { token: string; from: string; to: string; nextCursor: string; reset: boolean; expiresAt: string };
}

/** A feed's tables in window order: the root, then its children depth-first. */
export function feedTables(feed: FeedSpec): string[] {
  const walk = (children: ChildSpec[] = []): string[] => children.flatMap((c) => [c.table, ...walk(c.children)]);
  return [feed.root, ...walk(feed.children)];
}
