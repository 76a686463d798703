import { QueryRunner } from 'typeorm';
import { StagingArea } from './staging';

/** Everything an import command needs, inside the caller's one transaction. */
export interface ApplyContext {
  runner: QueryRunner;
  staging: StagingArea;
  syncLogId: string;
  /** research_nodes id of the peer (for conflicts). */
  peerRegistryId: string;
  /** Protocol id of the peer: origin of rows that arrive without one. */
  peerProtocolId: string;
  /** Local xid of the last completed apply from this peer ('0' if none): local rows changed after it are conflicts. */
  lastApplyXid: string;
  localNodeId: string;
  /** SHA-256 → file_url of files already stored locally. */
  fileLocators: Map<string, string>;
  signal?: AbortSignal;
  onTableApplied?(result: TableResult): void;
  /** Filled by the engine at begin: tables with local tombstones, incoming tombstones per table. */
  tombstoneState?: { local: Set<string>; incoming: Map<string, number> };
}

/** What applying one table did. */
export interface TableResult {
  table: string;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Incoming rows not applied because a newer local delete removed them. */
  skippedDeleted: number;
  /** Incoming rows not applied because their parent was deleted here (archived as conflicts). */
  skippedOrphans: number;
  /** Local rows deleted by incoming tombstones. */
  deleted: number;
  tombstonesReceived: number;
  conflicts: number;
}

export interface AggregateImportResult {
  tables: TableResult[];
}

export const emptyTableResult = (table: string): TableResult => ({
  table,
  received: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  skippedDeleted: 0,
  skippedOrphans: 0,
  deleted: 0,
  tombstonesReceived: 0,
  conflicts: 0,
});
