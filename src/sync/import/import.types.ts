import { QueryRunner } from 'typeorm';
import { StagingArea } from './staging';
import type { RowsBatch } from './rows-batch';

/** Everything an import command needs, inside the caller's one transaction. */
export interface ApplyContext {
  runner: QueryRunner;
  staging: StagingArea;
  syncLogId: string;
  /** research_nodes id of the peer (for conflicts). */
  peerRegistryId: string;
  /** Protocol id of the peer: origin of rows that arrive without one. */
  peerProtocolId: string;
  /** A full resync from the peer with this protocol id: local rows of that origin it no longer has are deleted. */
  fullResyncOrigin?: string;
  /** Local xid of the last completed apply from this peer ('0' if none): local rows changed after it are conflicts. */
  lastApplyXid: string;
  /** SHA-256 → where this node keeps the file (the locator column of imported rows). */
  fileLocators: Map<string, string>;
  signal?: AbortSignal;
  onTableApplied?(result: TableResult): void;
  /** A staged table loaded into its typed temp table: its rows and the milliseconds the load took (the progress's measure of this database's speed). */
  onTableLoaded?(rows: number, ms: number): void;
  /** Filled by the engine at begin, under the lock: tables without a row (nothing to merge). */
  emptyTables?: Set<string>;
  /** Set by the engine at begin: writes run in replica mode and `finish` checks the foreign keys set-based. */
  replicaWrites?: boolean;
  /**
   * The statement that opens the apply's transaction, when the caller left it to begin (ApplyPreload):
   * sent in the round trip of begin's first statements.
   */
  opensWith?: string;
  /** Tables already loaded into their typed temp tables while the fetch ran (ApplyPreload): begin skips them. */
  preloaded?: ReadonlySet<string>;
  /** Of those, the ones loaded without ANALYZE (their target was empty then): begin analyzes those that turn out to need a merge. */
  preloadedUnanalyzed?: ReadonlySet<string>;
  /** Filled by the engine at begin: tables with local tombstones, incoming tombstones per table. */
  tombstoneState?: { local: Set<string>; incoming: Map<string, number> };
  /** Set by the engine at begin: the row statements' parameters as literals, when they may be batched (rows-batch.ts). */
  inlinedParams?: Map<string, string>;
  /** Per table, the written rows whose foreign keys `finish` must check (applyRowsSql's `checked`, added up). */
  foreignKeyRows?: Map<string, number>;
  /** Row statements queued to run in one round trip (ImportEngine.flushRows). */
  rowsBatch?: RowsBatch;
}

/** What applying one table did (part of the SyncSummary wire contract in client/). */
export type { TableResult } from '../../../client/src/types';
import type { TableResult } from '../../../client/src/types';


export const emptyTableResult = (table: string): TableResult => ({
  table,
  received: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  skippedDeleted: 0,
  skippedOrphans: 0,
  skippedFuture: 0,
  deleted: 0,
  tombstonesReceived: 0,
  conflicts: 0,
});
