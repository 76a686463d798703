/**
 * Domain types of the PRISM node operator API, as served over HTTP. The SDK has no dependency on
 * the node's sources; the node imports these types (type-only) for what it serves, so the wire
 * contract is written once, here.
 */

import { AGGREGATE_TABLES, type AggregateName } from './aggregate-tables.js';

export { AGGREGATE_TABLES, FILES_NAME, type AggregateName } from './aggregate-tables.js';

export interface WindowStats {
  rows: number;
  tombstones: number;
  bytes: number;
}

/** What a peer offers for the next pull: the reference's flat counts plus per-aggregate rows and bytes. */
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
  /** Per feed and per aggregate: a peer may serve aggregates this SDK does not list (AGGREGATE_TABLES). */
  feeds?: {
    route: string;
    aggregate: string;
    rows: number;
    tombstones: number;
    bytes: number;
    /** Rows per table of the feed (feed order), when the window serves parts (`window.pageParts`). */
    tables?: Record<string, number>;
  }[];
  aggregates?: Record<string, WindowStats>;
  files?: { count: number; totalBytes: number };
  /**
   * The export window (protocol 2). `empty`: nothing changed since the cursor, so the source holds
   * no snapshot: there is nothing to fetch and nothing to close (older sources never send it).
   */
  window?: {
    token: string;
    from: string;
    to: string;
    nextCursor: string;
    reset: boolean;
    expiresAt: string;
    /** Format of the window's pages: "copy" (COPY text, streamed in encrypted frames) when the requester asked for it and the source serves it; absent or "json" otherwise. */
    pageFormat?: 'json' | 'copy';
    /** The source serves this window's COPY pages batched, several feeds in one answer (`GET /api/sync/window/pages`), because the requester listed `copy-batch` in X-Sync-Page-Formats. */
    pageBatch?: boolean;
    /** The source serves a feed's parts (one table, or its tombstones) page by page side by side (`part=` on a COPY page), because the requester listed `copy-parts` in X-Sync-Page-Formats. */
    pageParts?: boolean;
    empty?: boolean;
  };
}

export type SyncPhase = 'queued' | 'connecting' | 'manifest' | 'fetching' | 'files' | 'applying' | 'done';
export type JobState = 'running' | 'completed' | 'failed' | 'rolled_back' | 'cancelled';
export type JobKind = 'pull' | 'preview';
/** What a sync log entry records: a job (pull, preview), or an offline bundle this node imported (applied) or exported. */
export type SyncLogKind = JobKind | 'bundle_import' | 'bundle_export';

/** Live progress of a sync job (GET /api/sync/jobs/{id} and its SSE `progress` events). */
export interface SyncProgress {
  jobId: string;
  kind: JobKind;
  remoteNodeId: string;
  state: JobState;
  phase: SyncPhase;
  aggregate: string | null;
  table: string | null;
  /** Rows and deletions fetched, of the manifest's total. */
  rows: { done: number; total: number };
  /** Page bytes fetched, in the manifest's measure (PostgreSQL's size of the rows; the JSON on the wire is larger). */
  bytes: { done: number; total: number };
  /**
   * Files the window references: `done` are settled (downloaded, or found present), `present` were
   * already on this node (never downloaded; a preview downloads none and settles only these);
   * `bytesDone` − `bytesPresent` is what was downloaded.
   */
  files: { done: number; total: number; bytesDone: number; bytesTotal: number; present?: number; bytesPresent?: number };
  applied: { done: number; total: number };
  /**
   * Tables and rows the apply has loaded into its work tables (during the fetch as each table's
   * pages are in, the rest as the apply starts) and the seconds those loads took: this database's
   * own speed, from which the ETA estimates the apply.
   */
  loaded?: { tables: number; rows: number; seconds: number };
  /** 0–100, 100 only when completed: the elapsed share of the estimated time (rows, page bytes and file bytes weighed by their rates). */
  percent: number;
  /** Rows per second of the running stage (fetch or apply; 0 while files move). */
  rowsPerSecond: number;
  /** Bytes per second of the running stage (page bytes while fetching, file bytes while downloading files). */
  bytesPerSecond?: number;
  etaSeconds: number | null;
  startedAt: string;
  updatedAt: string;
  error: { code: string; message: string } | null;
  /** The pull continues the kept window of an earlier pull that failed mid-fetch: what it took over (absent/null: fetched from the start). */
  resumed?: ResumeReport | null;
}

/** What a pull took over from the kept staging of an earlier pull from the same peer that failed in its fetch. */
export interface ResumeReport {
  /** The pull that staged it. */
  fromJobId: string;
  /** Pages, and the rows and deletions in them, not fetched again. */
  pages: number;
  rows: number;
  pageBytes: number;
  /** Files already stored, and their bytes plus the bytes of partial downloads continued by range. */
  files: number;
  fileBytes: number;
}

/** How far behind a peer's change feed this node was: what the last measured manifest announced minus what was applied. */
export interface FeedLag {
  rows: number;
  tombstones: number;
  bytes: number;
  files: number;
  fileBytes: number;
  /** The peer's clock when its manifest counted them. */
  measuredAt: string;
  /** The pull (or preview) whose manifest measured it. */
  jobId: string;
}

export interface TableResult {
  table: string;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skippedDeleted: number;
  /** Incoming rows not applied because their parent was deleted on the pulling node. */
  skippedOrphans: number;
  /** Incoming rows not applied because they are stamped further in the future than the clock skew limit (archived, rule future_timestamp). */
  skippedFuture: number;
  deleted: number;
  tombstonesReceived: number;
  conflicts: number;
}

export interface AggregateCounts {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  conflicts: number;
}

/** What a pull did (or a preview would do). */
export interface SyncSummary {
  tables: TableResult[];
  totals: AggregateCounts;
  entitiesReceived: Record<string, number>;
  /**
   * `referenced`: distinct files the pulled rows reference (`bytesReferenced` in total);
   * `toDownload`/`bytesToDownload`: those not present here, which a pull downloads and a preview
   * would (a preview downloads nothing, so its `downloaded` is 0).
   */
  files: {
    referenced: number;
    downloaded: number;
    alreadyPresent: number;
    bytesDownloaded: number;
    bytesReferenced?: number;
    toDownload?: number;
    bytesToDownload?: number;
  };
  durationMs: number;
  /** Format of the pages of a window pull: "copy" (PostgreSQL COPY text) or "json". */
  pageFormat?: 'json' | 'copy';
}

/** POST /api/sync/preview. */
export interface SyncPreview {
  manifest: SyncManifest;
  autoResolvedSince: string | null;
  remoteNodeId: string;
  jobId: string;
  preview: SyncSummary;
}

/** POST /api/sync/pull (reference SyncResult plus our fields). */
export interface SyncResult {
  status: string;
  startedAt: string;
  completedAt: string | null;
  entitiesReceived: Record<string, number>;
  jobId: string;
  remoteNodeId: string;
  summary: SyncSummary;
}

export interface StartedJob {
  jobId: string;
  statusUrl: string;
  eventsUrl: string;
}

export type SyncLogStatus = 'in_progress' | 'completed' | 'failed' | 'rolled_back' | 'cancelled';

/** One row of GET /api/sync/log (newest first). */
export interface SyncLogEntry {
  id: string;
  remoteNodeId: string;
  startedAt: string;
  completedAt: string | null;
  status: SyncLogStatus;
  lastSyncedAt: string | null;
  /** JSON text, as the reference sends it. */
  entitiesReceived: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  kind: SyncLogKind;
  phase: string | null;
  requestedBy: string | null;
  /** The sync protocol the peer spoke at this pull: "2" (change-feed window), "reference" (since/page) or "bundle" (an offline bundle). */
  negotiatedProtocol: string | null;
  /** The job's SyncSummary once it finished. */
  counts: SyncSummary | null;
  /** The peer's clock minus this node's (ms), measured at the manifest (null before it). */
  clockSkewMs: number | null;
  /** What this pull took over from the kept staging of an earlier pull that failed mid-fetch (null: nothing). */
  resumed: ResumeReport | null;
  /** What the peer's manifest announced for this pull's window (change-feed peers), and when. */
  announced: Omit<FeedLag, 'jobId'> | null;
}

export interface Page<T> {
  data: T[];
  page: number;
  pageSize: number;
  totalRecords: number;
  totalPages: number;
}

export interface SyncConflict {
  id: string;
  syncLogId: string;
  remoteNodeId: string;
  table: string;
  key: Record<string, string>;
  localVersion: Record<string, unknown> | null;
  remoteVersion: Record<string, unknown> | null;
  winner: string;
  rule: string;
  createdAt: string;
  /** Set once an Admin restored the losing version (POST /api/sync/conflicts/{id}/restore). */
  restoredAt: string | null;
  restoredBy: string | null;
}

/** The answer of a conflict restore: the losing version written back (or its delete done again) as a new local edit. */
export interface ConflictRestoreResult {
  conflictId: string;
  table: string;
  key: Record<string, unknown>;
  action: 'written' | 'deleted';
  row: Record<string, unknown> | null;
  restoredAt: string;
  restoredBy: string;
}

/** The answer of POST /api/sync/push: the peer accepted and started a pull from this node. */
export interface PushRequestResult {
  remoteNodeId: string;
  /** The peer's job id; follow it with GET /api/sync/push/{remoteNodeId}/jobs/{remoteJobId}. */
  remoteJobId: string;
}

/** One connection in GET /api/sync/status. */
export interface ConnectionSyncStatus {
  remoteNodeId: string;
  nodeName: string;
  /** off: no schedule (pulls by hand); idle: scheduled, last try fine; backing_off: retrying after failures; paused: stopped after permanent failures. */
  state: 'off' | 'idle' | 'running' | 'backing_off' | 'paused';
  /** Seconds between scheduled pulls, null when off. */
  intervalSeconds: number | null;
  /** Whether the peer may ask this node to pull from it now (push requests); off by default. */
  acceptPushRequests: boolean;
  runningJobId: string | null;
  nextRunAt: string | null;
  consecutiveFailures: number;
  /** Why the scheduler stopped (code: message); PUT the schedule again to resume. */
  pausedReason: string | null;
  /** The peer's clock minus this node's (ms), measured at the last pull that reached its manifest. */
  clockSkewMs: number | null;
  /** How far behind the peer's change feed this node is, as of `behind.measuredAt`; null: never measured (unknown). */
  behind: FeedLag | null;
  lastSuccess: { at: string; jobId: string } | null;
  /** The newest failed pull, if newer than the newest success. */
  lastFailure: { at: string; jobId: string; code: string; message: string } | null;
}

export interface VerifyReport {
  digest: string;
  aggregates: Record<string, { rows: number; digest: string; tables: { table: string; rows: number; digest: string }[] }>;
  files: { referenced: number; missing: string[] };
}

/** Numeric wire enums of the node registry (reference). */
export const AuthorizationStatus = { Unknown: 0, Authorized: 1, Pending: 2, Revoked: 3 } as const;
export const NodeAccessLevel = { ReadOnly: 0, ReadWrite: 1, Admin: 2 } as const;
export type AuthorizationStatusCode = (typeof AuthorizationStatus)[keyof typeof AuthorizationStatus];
export type NodeAccessLevelCode = (typeof NodeAccessLevel)[keyof typeof NodeAccessLevel];

/** A node of the registry: a peer we pull from, a node registered with us, or this node. */
export interface NodeConnection {
  id: string;
  nodeName: string;
  nodeUrl: string | null;
  status: AuthorizationStatusCode;
  nodeAccessLevel: NodeAccessLevelCode;
  contactInfo: string | null;
  certificate: string;
  certificateFingerprint: string;
  institutionDetails: string | null;
  registeredAt: string;
  updatedAt: string;
  lastSyncedAt: string | null;
  lastSyncStatus: string | null;
  /** The sync protocol the peer spoke at the last pull ("2", "reference"). */
  negotiatedProtocol: string | null;
  /** For a reference-protocol peer: "reference protocol: late commits older than the overlap can be missed". */
  protocolLimit: string | null;
  /** The peer's clock minus this node's (ms) at the last pull that measured it. */
  lastClockSkewMs: number | null;
  protocolNodeId: string | null;
  lastAuthenticatedAt: string | null;
  /** 'prism-node' (must sign channel transcripts) or 'reference' (accepted without, until it once signs). */
  protocol: PeerProtocol;
  /** When the peer first signed a channel transcript (from then on it must), or null. */
  transcriptSignedAt: string | null;
  /** What this certificate asked for over the protocol, waiting for an Admin (approve applies, reject drops). */
  requestedChange: RequestedChange | null;
}

export type PeerProtocol = 'prism-node' | 'reference';

export interface RequestedChange {
  nodeName: string;
  nodeUrl: string;
  contactInfo: string;
  institutionDetails: string;
  protocolNodeId: string | null;
  nodeAccessLevel: NodeAccessLevelCode;
  requestedAt: string | null;
}

export interface NewConnection {
  nodeName: string;
  nodeUrl: string;
  /** base64 DER (or PEM) of the peer's certificate. */
  certificate: string;
  nodeAccessLevel?: NodeAccessLevelCode;
  status?: AuthorizationStatusCode;
  contactInfo?: string;
  institutionDetails?: string;
  /** 'reference' for a reference node, which does not sign channel transcripts (default 'prism-node'). */
  protocol?: PeerProtocol;
}

/** Name of a numeric status / access level, for display. */
export function statusName(code: number): string {
  return Object.entries(AuthorizationStatus).find(([, v]) => v === code)?.[0] ?? String(code);
}

export function accessLevelName(code: number): string {
  return Object.entries(NodeAccessLevel).find(([, v]) => v === code)?.[0] ?? String(code);
}

/** The aggregate a table belongs to (the table name itself when unknown). */
export function aggregateOfTable(table: string): string {
  return (Object.keys(AGGREGATE_TABLES) as AggregateName[]).find((a) => AGGREGATE_TABLES[a].includes(table)) ?? table;
}

/** A node's public identity (GET /api/node/identity), what peers' operators need to add it. */
export interface PublicIdentity {
  nodeId: string;
  nodeName: string;
  /** base64 DER. */
  certificate: string;
  certificateFingerprint: string;
  nodeUrl: string;
}

/** POST /api/node/connect: this node registered at the peer and recorded it as a connection. */
export interface ConnectResult {
  connectionId: string;
  peer: PublicIdentity;
  /** The peer's answer to the registration; its `registrationId` is what the peer's operator approves. */
  registration: Record<string, unknown>;
}

/** The clear, signed manifest of an offline bundle file (docs/bundles.md). */
export interface BundleManifest {
  format: 'prism-bundle';
  version: 1;
  bundleId: string;
  createdAt: string;
  exporter: { nodeId: string; nodeName: string; fingerprint: string };
  /** Who may open it: the certificate fingerprint the content key is wrapped for. */
  recipient: { nodeId: string | null; nodeName: string; fingerprint: string };
  protocolVersion: string;
  schemaVersion: string;
  /** The change-feed window: rows written by transactions `from` did not see and `to` did; `full`: from the beginning, as a full resync. */
  window: { from: string; to: string; cursorFrom: string | null; nextCursor: string; reset: boolean; full: boolean };
  counts: {
    feeds: { route: string; aggregate: string; rows: number; tombstones: number }[];
    rows: number;
    tombstones: number;
    files: number;
    fileBytes: number;
  };
  /** The record stream before compression and encryption. */
  content: { records: number; bytes: number; sha256: string };
  cipher: { algorithm: 'AES-256-GCM-frames'; keyWrapping: 'RSA-OAEP-SHA256'; wrappedKey: string; compression: 'gzip'; bytes: number; sha256: string };
}

/** A signed acknowledgement of how far a node applied a peer's feed: `ack` is the signed JSON text. */
export interface BundleAck {
  ack: string;
  signature: string;
}

/** Where a peer stands for its next bundle from this node (GET /api/sync/bundles/positions). */
export interface BundlePosition {
  remoteNodeId: string;
  cursor: string;
  /** How it was confirmed: an acknowledgement file, or the peer's last online pull. */
  source: 'ack' | 'pull';
  acknowledgedAt: string;
}

/** POST /api/sync/bundles/acks: whether the acknowledgement moved the peer's position. */
export interface BundleAckResult {
  remoteNodeId: string;
  moved: boolean;
  position: BundlePosition;
}

/** POST /api/sync/bundles/import: the job, what it did (or, previewed, would do), and the acknowledgement for the exporter. */
export interface BundleImportResult {
  jobId: string;
  bundleId: string;
  preview: boolean;
  remoteNodeId: string;
  manifest: Omit<BundleManifest, 'cipher'> & { cipher: Omit<BundleManifest['cipher'], 'wrappedKey'> };
  summary: SyncSummary;
  /** Give it to the exporter (bundle:accept-ack) so its next bundle starts after this one. Null for a preview. */
  ack: BundleAck | null;
}
