import { accessLevelName, AuthorizationStatus, statusName, type NodeConnection, type PrismClient, type SyncLogEntry } from '../../../../client/src/index.js';
import { badge, el, fillTable, num, td, when } from './dom.js';

/** The registry with each node's sync state; `onSync` runs when an operator clicks Sync. */
export async function renderConnections(client: PrismClient, onSync: (peer: NodeConnection) => void): Promise<void> {
  const [nodes, history] = await Promise.all([client.nodes.list(), client.sync.history({ pageSize: 100 })]);
  const lastPull = new Map<string, SyncLogEntry>();
  for (const entry of history.data) if (entry.kind === 'pull' && !lastPull.has(entry.remoteNodeId)) lastPull.set(entry.remoteNodeId, entry);
  const rows = nodes.map((node) => {
    const last = lastPull.get(node.id);
    const totals = last?.counts?.totals;
    const canSync = node.status === AuthorizationStatus.Authorized && !!node.nodeUrl;
    const button = el('button', { class: 'sync', 'data-peer-id': node.id }, 'Sync');
    (button as HTMLButtonElement).disabled = !canSync;
    button.title = canSync ? `Pull from ${node.nodeName}` : 'Only authorized peers with a URL can be pulled from';
    button.addEventListener('click', () => onSync(node));
    return el(
      'tr',
      { 'data-node-id': node.id },
      td(node.nodeName),
      td(node.nodeUrl ?? '–'),
      td(badge(statusName(node.status))),
      td(accessLevelName(node.nodeAccessLevel)),
      td(when(node.lastSyncedAt)),
      td(node.lastSyncStatus ? badge(node.lastSyncStatus) : '–'),
      td(totals ? `${totals.received} received, ${totals.inserted} new, ${totals.updated} updated, ${totals.deleted} deleted` : '–'),
      td(button),
    );
  });
  fillTable('#connections', rows, 'No nodes registered yet.', 8);
}

export async function renderHistory(client: PrismClient): Promise<void> {
  const [history, nodes] = await Promise.all([client.sync.history({ pageSize: 50 }), client.nodes.list()]);
  const names = new Map(nodes.map((n) => [n.id, n.nodeName]));
  const rows = history.data.map((e) => {
    const t = e.counts?.totals;
    return el(
      'tr',
      { 'data-sync-id': e.id },
      td(when(e.startedAt)),
      td(names.get(e.remoteNodeId) ?? e.remoteNodeId),
      td(e.kind),
      td(badge(e.status)),
      num(t?.received),
      num(t?.inserted),
      num(t?.updated),
      num(t?.deleted),
      num(t?.conflicts),
      td(e.errorMessage ?? ''),
    );
  });
  fillTable('#history', rows, 'No syncs yet.', 10);
}

export async function renderConflicts(client: PrismClient): Promise<void> {
  const [conflicts, nodes] = await Promise.all([client.sync.conflicts({ pageSize: 100 }), client.nodes.list()]);
  const names = new Map(nodes.map((n) => [n.id, n.nodeName]));
  const rows = conflicts.data.map((c) =>
    el('tr', {}, td(when(c.createdAt)), td(c.table), td(JSON.stringify(c.key)), td(c.winner), td(c.rule), td(names.get(c.remoteNodeId) ?? c.remoteNodeId)),
  );
  fillTable('#conflicts', rows, 'No conflicts archived.', 6);
}
