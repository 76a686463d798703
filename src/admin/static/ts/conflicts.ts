import type { PrismClient, SyncConflict } from '../../../../client/src/index.js';
import { $, button, el, fillTable, input, Pager, td, when } from './dom.js';
import { fillPeerFilter } from './history.js';
import { ruleText } from './messages.js';

const PAGE_SIZE = 20;
let pager: Pager | undefined;
/** Where a failed action's error goes (the console's error banner), set by setUpConflicts. */
let reportError: (error: unknown) => void = (error) => {
  throw error;
};

/**
 * A field's value as text; UTC timestamps in one notation with six fraction digits (the archive
 * keeps both "…708390Z" and "…70839+00:00" forms of one instant).
 */
function show(value: unknown): string {
  if (value === undefined) return '–';
  if (typeof value !== 'string') return JSON.stringify(value);
  const utc = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00:00)$/.exec(value);
  return utc ? `${utc[1]}.${(utc[2] ?? '').padEnd(6, '0')}Z` : value;
}

/**
 * Both versions of a conflicting row side by side, field by field (differing fields marked), with
 * which one was kept and the rule that decided.
 */
function renderDetail(conflict: SyncConflict, peerName: string, restore: () => void): void {
  const local = conflict.localVersion ?? {};
  const remote = conflict.remoteVersion ?? {};
  const fields = [...new Set([...Object.keys(local), ...Object.keys(remote)])];
  const keptLocal = conflict.winner === 'local';
  const heading = (label: string, kept: boolean, present: boolean) =>
    el('th', { class: `version ${kept ? 'kept' : 'lost'}` }, label, el('br'), present ? (kept ? 'kept' : 'not kept (archived here)') : 'absent');
  const rows = fields.map((field) => {
    const differs = show(local[field]) !== show(remote[field]);
    return el('tr', { class: differs ? 'differs' : '' }, el('th', {}, field), el('td', { class: 'local' }, show(local[field])), el('td', { class: 'remote' }, show(remote[field])));
  });
  $('#conflict-detail').replaceChildren(
    el('h3', {}, `${conflict.table} ${JSON.stringify(conflict.key)}`),
    el('p', { class: 'rule' }, `Kept: the ${keptLocal ? 'local' : `peer’s (${peerName})`} version — rule “${conflict.rule}”: ${ruleText(conflict.rule)}.`),
    el(
      'table',
      { class: 'compare' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Field'), heading('This node (local)', keptLocal, conflict.localVersion !== null), heading(`Peer (${peerName})`, !keptLocal, conflict.remoteVersion !== null))),
      el('tbody', {}, ...rows),
    ),
    conflict.restoredAt
      ? el('p', { class: 'restored' }, `The version not kept was restored ${when(conflict.restoredAt)} by ${conflict.restoredBy ?? '?'}.`)
      : el(
          'p',
          { class: 'restore' },
          button('Restore the version not kept', { class: 'restore-conflict' }, restore),
          ' writes it back as a new edit on this node; it then wins here and on every node that pulls from here. Refused if the row changed since.',
        ),
  );
  $('#conflict-detail').hidden = false;
}

/** Archived conflicts, newest first, one page at a time, optionally of one peer. */
export async function renderConflicts(client: PrismClient): Promise<void> {
  const nodes = await client.nodes.list();
  fillPeerFilter('#conflict-peer', nodes);
  const conflicts = await client.sync.conflicts({ remoteNodeId: input('#conflict-peer').value || undefined, page: pager?.page ?? 1, pageSize: PAGE_SIZE });
  if (pager && !pager.show(conflicts)) return;
  const names = new Map(nodes.map((n) => [n.id, n.nodeName]));
  $('#conflict-detail').hidden = true;
  const rows = conflicts.data.map((c) => {
    const row = el(
      'tr',
      { 'data-conflict-id': c.id },
      td(when(c.createdAt)),
      td(names.get(c.remoteNodeId) ?? c.remoteNodeId),
      td(c.table),
      td(JSON.stringify(c.key)),
      td(c.winner === 'local' ? 'local version' : 'peer’s version'),
      td(c.rule.replace(/_/g, ' ')),
    );
    row.append(
      td(
        button('Compare', { class: 'small compare' }, () => {
          for (const other of document.querySelectorAll('#conflicts tr.selected')) other.classList.remove('selected');
          row.classList.add('selected');
          renderDetail(c, names.get(c.remoteNodeId) ?? c.remoteNodeId, () => {
            client.sync
              .restoreConflict(c.id)
              .then(() => renderConflicts(client))
              .catch(reportError);
          });
        }),
      ),
    );
    return row;
  });
  fillTable('#conflicts', rows, 'No conflicts archived.', 7);
}

export function setUpConflicts(client: PrismClient, onError: (error: unknown) => void): void {
  reportError = onError;
  pager = new Pager('#conflicts-pager', 'conflicts', () => renderConflicts(client), onError);
  pager.restartOnChange('#conflict-filters');
}
