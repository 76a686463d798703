import type { SyncManifest } from '../export/export.types';
import type { SyncSummary } from './sync-summary';

/** Published after a pull or preview committed (or finished, for a preview). */
export class SyncCompletedEvent {
  constructor(
    readonly jobId: string,
    readonly remoteNodeId: string,
    readonly kind: 'pull' | 'preview',
    readonly summary: SyncSummary,
    /** The peer's manifest of the pulled window (bytes per aggregate, for metrics). */
    readonly manifest?: SyncManifest,
  ) {}
}

/** Published after a sync failed; nothing of it was applied. */
export class SyncFailedEvent {
  constructor(
    readonly jobId: string,
    readonly remoteNodeId: string,
    readonly kind: 'pull' | 'preview',
    readonly code: string,
  ) {}
}
