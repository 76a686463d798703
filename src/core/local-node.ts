import { createHash } from 'node:crypto';

/** The last id derived (localNodeUuid). */
let last: { nodeId: string; uuid: string } | undefined;

/**
 * The research_nodes id of this node, derived from its configured protocol node id so every
 * component (CRUD, import, registry) agrees on it without reading the database. Format: a UUID
 * (version 8, "custom") built from SHA-256("prism-node:" + nodeId).
 */
export function localNodeUuid(nodeId: string): string {
  // Asked for this node's own id on every manifest a peer reads: the last answer is kept (a hash and
  // its formatting were ~1 % of the source's CPU in a no-op pull).
  if (last?.nodeId === nodeId) return last.uuid;
  last = { nodeId, uuid: derivedUuid(nodeId) };
  return last.uuid;
}

function derivedUuid(nodeId: string): string {
  const bytes = createHash('sha256').update(`prism-node:${nodeId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
