import type { PendingGrant } from '../../core/auth/access';
import type { Readable } from 'node:stream';
import { ChildSpec, FeedSpec } from '../../core/sync-kernel/aggregate-spec';
import type { RawJson } from '../../core/http/raw-json';
import type { PageFormat } from '../shared/protocol';

export interface ManifestRequest {
  since?: string;
  cursor?: string;
  /** The requester speaks our protocol (X-Sync-Protocol): open an export window. */
  windowMode: boolean;
  /** Who asks (registry id of the peer node): a new window replaces its previous one. */
  peer: string;
  /** Page formats the requester reads (X-Sync-Page-Formats): the manifest names the one its pages will have. */
  pageFormats?: string[];
  /**
   * The caller's node session grant, not read yet (the route reads it in the handler): the
   * manifest reads it in its first statement and settles it before anything else.
   */
  grant?: PendingGrant;
}

export interface PageRequest {
  /** Who asks (registry id of the peer node): its reference-mode pages share one snapshot per pull. */
  caller?: string;
  since?: string;
  page?: number;
  pageSize?: number;
  window?: string;
  after?: string;
  /** `copy`: a streamed page (StreamedPage) instead of JSON; only with `window`. */
  format?: PageFormat;
  /** Only this part of the feed (PAGE_PARTS_CAPABILITY): its table at this index, or its tombstones; only with `format=copy`. */
  part?: number;
}

/**
 * A window page in the `copy` format: its metadata, and a body streamed while the window's
 * transaction stays open — COPY text rows of one table (`columns`, wire names, in that order), or
 * the feed's tombstones as a JSON array (`table` null). The transport frames and encrypts it.
 */
export interface StreamedPage {
  table: string | null;
  /** Rows (or tombstones) in the body. */
  rows: number;
  columns: string[];
  next: string | null;
  body: Readable;
}

/** What an export query answers: JSON text, or a streamed page. */
export type ExportPage = RawJson | StreamedPage;

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
