import { formatDuration, resumedText, type NodeConnection, type SyncLogKind, type PrismClient, type SyncLogStatus } from '../../../../client/src/index.js';
import { badge, el, fillTable, input, num, Pager, td, when } from './dom.js';
import { describeFailure, syncStatusLabel } from './messages.js';

const PAGE_SIZE = 20;
let pager: Pager | undefined;

/** The peers offered by a filter <select> (keeps the operator's choice across reloads). */
export function fillPeerFilter(selector: string, nodes: NodeConnection[]): void {
  const filter = input(selector) as HTMLSelectElement;
  const chosen = filter.value;
  filter.replaceChildren(el('option', { value: '' }, 'All peers'), ...nodes.map((n) => el('option', { value: n.id }, n.nodeName)));
  filter.value = nodes.some((n) => n.id === chosen) ? chosen : '';
}

function duration(startedAt: string, completedAt: string | null): string {
  return completedAt ? formatDuration(Date.parse(completedAt) - Date.parse(startedAt)) : '–';
}

/** Sync history, newest first, one page at a time, filtered by peer, status and kind. */
export async function renderHistory(client: PrismClient): Promise<void> {
  const nodes = await client.nodes.list();
  fillPeerFilter('#history-peer', nodes);
  const history = await client.sync.history({
    remoteNodeId: input('#history-peer').value || undefined,
    status: (input('#history-status').value || undefined) as SyncLogStatus | undefined,
    kind: (input('#history-kind').value || undefined) as SyncLogKind | undefined,
    page: pager?.page ?? 1,
    pageSize: PAGE_SIZE,
  });
  if (pager && !pager.show(history)) return;
  const names = new Map(nodes.map((n) => [n.id, n.nodeName]));
  const rows = history.data.map((e) => {
    const t = e.counts?.totals;
    const failure = e.errorCode || e.errorMessage ? describeFailure(e.errorCode, e.errorMessage) : undefined;
    return el(
      'tr',
      { 'data-sync-id': e.id },
      td(when(e.startedAt)),
      td(names.get(e.remoteNodeId) ?? e.remoteNodeId),
      td(e.kind),
      td(
        badge(syncStatusLabel(e.status), e.status === 'in_progress' ? 'running' : e.status.replace('_', '-')),
        ...(e.resumed ? [el('br'), el('small', { class: 'resumed' }, resumedText(e.resumed))] : []),
      ),
      td(duration(e.startedAt, e.completedAt)),
      num(t?.received),
      num(t?.inserted),
      num(t?.updated),
      num(t?.deleted),
      num(t?.conflicts),
      el('td', { class: 'error-text' }, failure?.text ?? '', failure?.detail ? el('small', {}, failure.detail) : null),
    );
  });
  fillTable('#history', rows, 'No syncs match.', 11);
}

export function setUpHistory(client: PrismClient, onError: (error: unknown) => void): void {
  pager = new Pager('#history-pager', 'syncs', () => renderHistory(client), onError);
  pager.restartOnChange('#history-filters');
}
