import { existsSync, readFileSync } from 'node:fs';
import { accessLevelName, NodeAccessLevel, type NodeAccessLevelCode, type NodeConnection, statusName } from '../../../../client/src/index.js';
import { UsageError } from '../../command';
import { table } from './format';

/** `--level ReadOnly|ReadWrite|Admin` (or 0/1/2). */
export function levelOption(value: unknown, fallback?: NodeAccessLevelCode): NodeAccessLevelCode | undefined {
  if (value === undefined) return fallback;
  const text = String(value);
  const entry = Object.entries(NodeAccessLevel).find(([name, code]) => name.toLowerCase() === text.toLowerCase() || String(code) === text);
  if (!entry) throw new UsageError(`--level must be one of ${Object.keys(NodeAccessLevel).join(', ')}`);
  return entry[1];
}

/** A certificate given inline (base64 DER or PEM) or as the path of a file holding one. */
export function certificateOption(value: string): string {
  return existsSync(value) ? readFileSync(value, 'utf8').trim() : value.trim();
}

export function formatConnections(nodes: NodeConnection[]): string {
  if (nodes.length === 0) return 'no nodes registered';
  return table(
    ['id', 'name', 'url', 'status', 'access', 'protocol', 'last sync', 'last status', 'requested change'],
    nodes.map((n) => [
      n.id,
      n.nodeName,
      n.nodeUrl ?? '-',
      statusName(n.status),
      accessLevelName(n.nodeAccessLevel),
      n.protocol ?? '-',
      n.lastSyncedAt ?? '-',
      n.lastSyncStatus ?? '-',
      requestedChangeText(n),
    ]),
  );
}

/** A requested change in one cell: what differs from the row ("-" without one). */
function requestedChangeText(n: NodeConnection): string {
  const change = n.requestedChange;
  if (!change) return '-';
  const parts = [
    change.nodeName !== n.nodeName ? `name ${change.nodeName}` : '',
    change.nodeUrl !== n.nodeUrl ? `url ${change.nodeUrl}` : '',
    change.nodeAccessLevel !== n.nodeAccessLevel ? `access ${accessLevelName(change.nodeAccessLevel)}` : '',
    change.contactInfo !== n.contactInfo || change.institutionDetails !== n.institutionDetails ? 'contact' : '',
  ].filter(Boolean);
  return `${parts.join(', ') || 'details'} (awaits peer:approve)`;
}

export function describeConnection(verb: string, n: NodeConnection): string {
  return `${verb} node "${n.nodeName}" (${n.id}): ${statusName(n.status)}, ${accessLevelName(n.nodeAccessLevel)}`;
}
