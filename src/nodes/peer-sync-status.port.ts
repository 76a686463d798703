/** When a peer was last pulled from, for the connections list (reference lastSyncedAt/lastSyncStatus). */
export interface LastSync {
  lastSyncedAt: string | null;
  lastSyncStatus: string | null;
  /** The peer's clock minus this node's (ms) at the last pull that measured it. */
  lastClockSkewMs: number | null;
}

/**
 * The port through which the registry shows each peer's last pull: sync history is the sync
 * module's table, so the sync module implements this (SyncLogs); without it, no history is shown.
 */
export abstract class PeerSyncStatus {
  /** The latest completed pull per peer, by registry id (peers never pulled from are absent). */
  abstract lastSyncs(ids: string[]): Promise<Map<string, LastSync>>;
}
