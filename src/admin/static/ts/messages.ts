import { PrismApiError, PrismUnreachableError, type SyncLogStatus } from '../../../../client/src/index.js';

/**
 * What a failure means for the operator and what to do next, by the node's stable error code. The
 * node's own message stays available (shown under it) for the cases this list does not name.
 */
const WHAT_TO_DO: Record<string, string> = {
  ERR_NODE_NOT_AUTHORIZED: 'The peer has not authorized this node (not approved yet, or revoked). Ask the peer’s operator to approve this node.',
  ERR_NODE_UNKNOWN: 'The peer does not know this node. Connect to it first (Peers → Connect to a peer).',
  ERR_INSUFFICIENT_CAPABILITY: 'This node may not pull from that peer: the peer must have authorized this node with ReadWrite or Admin access, and this node’s record of the peer must be ReadWrite or Admin too.',
  ERR_NODE_URL_MISSING: 'This peer has no URL recorded, so it cannot be pulled from.',
  ERR_PEER_UNREACHABLE: 'The peer cannot be reached at its URL. Check that it runs and that the URL is right.',
  ERR_PEER_TIMEOUT: 'The peer did not answer in time. Try again; if it keeps happening, check the peer’s load and network.',
  ERR_SYNC_IN_PROGRESS: 'Another sync is running on this node. Wait until it ends, then try again.',
  ERR_SYNC_CANCELLED: 'The sync was cancelled. Nothing of it was applied.',
  ERR_PROTOCOL_MISMATCH: 'The peer speaks another protocol version.',
  ERR_SCHEMA_MISMATCH: 'The peer runs another schema version: update one of the nodes.',
  ERR_BEHIND_HORIZON:
    'This node last pulled from the peer before the oldest delete the peer still keeps, so an ordinary pull could miss deletes. Run a full resync (prism-node sync:pull <peer> --full-resync, or POST /api/sync/jobs with fullResync).',
  ERR_CLOCK_SKEW: 'The clocks of this node and the peer differ by more than the allowed limit, so "newer wins" cannot be trusted. Set the wrong clock right (NTP), then pull again.',
  ERR_FILE_CHECKSUM_MISMATCH: 'A recording file arrived damaged (checksum mismatch). Nothing was applied; try again.',
  ERR_PEER_REGISTRATION_FAILED: 'The peer refused or failed the registration of this node.',
  ERR_SELF_CONNECTION: 'That URL is this node itself.',
  ERR_INVALID_STATUS_TRANSITION: 'Only a Pending node can be approved or rejected.',
  ERR_NODE_EXISTS: 'A node with this certificate is already registered.',
  ERR_FORBIDDEN_ROLE: 'Your user’s role may not do this (registry administration needs an Admin).',
  ERR_UNREACHABLE: 'This node cannot be reached. Check that it still runs.',
  ERR_BUNDLE_ALREADY_APPLIED: 'This bundle was already applied here. Nothing changed.',
  ERR_BUNDLE_STALE: 'This node already has everything in this bundle (a newer bundle or pull from that node was applied). Nothing changed.',
  ERR_BUNDLE_GAP: 'This bundle starts after what this node has from that node, so applying it would skip changes. Give the exporter this node’s acknowledgement, then ask for a new bundle.',
  ERR_BUNDLE_TAMPERED: 'The bundle file was changed or cut on the way (its hashes do not match). Ask for a new copy.',
  ERR_BUNDLE_SIGNATURE_INVALID: 'The bundle is not signed by the node it names (changed on the way, or forged).',
  ERR_BUNDLE_WRONG_RECIPIENT: 'This bundle was made for another node.',
  ERR_BUNDLE_UNKNOWN_NODE: 'The bundle comes from a node this node does not know.',
  ERR_BUNDLE_MALFORMED: 'This is not a PRISM bundle file.',
  ERR_NODE_CERTIFICATE_MISSING: 'This peer was added without a certificate, so a bundle cannot be encrypted for it.',
};

export interface Failure {
  /** What happened and what to do, in words. */
  text: string;
  /** The node's stable code and its own message, for support and logs. */
  detail: string;
}

export function describeFailure(code: string | null | undefined, message: string | null | undefined): Failure {
  const own = (message ?? '').replace(/^ERR_[A-Z_]+:\s*/, '');
  const known = code ? WHAT_TO_DO[code] : undefined;
  return { text: known ?? (own ? own.charAt(0).toUpperCase() + own.slice(1) : 'The operation failed.'), detail: [code, known ? own : ''].filter(Boolean).join(': ') };
}

export function describeError(error: unknown): Failure {
  if (error instanceof PrismApiError) return describeFailure(error.code, error.message);
  if (error instanceof PrismUnreachableError) return describeFailure('ERR_UNREACHABLE', error.message);
  return describeFailure(undefined, error instanceof Error ? error.message : String(error));
}

/** One line for places with room for a sentence only. */
export function errorText(error: unknown): string {
  const failure = describeError(error);
  return failure.detail ? `${failure.text} (${failure.detail})` : failure.text;
}

const STATUS_LABELS: Record<SyncLogStatus, string> = {
  in_progress: 'running',
  completed: 'completed',
  failed: 'failed',
  rolled_back: 'rolled back',
  cancelled: 'cancelled',
};

export function syncStatusLabel(status: string): string {
  return STATUS_LABELS[status as SyncLogStatus] ?? status.replace(/_/g, ' ');
}

const RULES: Record<string, string> = {
  newer_updated_at: 'the version with the newer updated_at is kept',
  tie_content_hash: 'same updated_at on both sides: the version with the greater content hash is kept (the same choice on every node)',
  delete_vs_update: 'a delete met a change of the same row: the delete wins unless the change is newer',
  missing_parent: 'the row’s parent was deleted here, so the peer’s row was not applied',
  parent_deleted: 'the peer deleted the row’s parent, and the row went with it',
  natural_key: 'the applied row shares an email, code or other natural key with another row (both kept: a pull never fails on one; merge or edit them)',
};

export function ruleText(rule: string): string {
  return RULES[rule] ?? rule.replace(/_/g, ' ');
}
