/** When a peer was last pulled from, for the connections list (reference lastSyncedAt/lastSyncStatus). */
export interface LastSync {
  lastSyncedAt: string | null;
  lastSyncStatus: string | null;
  /** The sync protocol the peer spoke at that pull: "2" (change-feed window) or "reference" (since/page). */
  negotiatedProtocol?: string | null;
  /** The peer's clock minus this node's (ms) at the last pull that measured it. */
  lastClockSkewMs: number | null;
}

/** What the connection shows for a peer that speaks only the reference protocol. */
export const REFERENCE_PROTOCOL_LIMIT = 'reference protocol: late commits older than the overlap can be missed';

/**
 * The port through which the registry shows each peer's last pull: sync history is the sync
 * module's table, so the sync module implements this (SyncLogs); without it, no history is shown.
 */
export abstract class PeerSyncStatus {
  /** The latest completed pull per peer, by registry id (peers never pulled from are absent). */
  abstract lastSyncs(ids: string[]): Promise<Map<string, LastSync>>;
}
