import {
  accessLevelName,
  behindText,
  AuthorizationStatus,
  NodeAccessLevel,
  type NodeAccessLevelCode,
  type NodeConnection,
  type ConnectionSyncStatus,
  type PrismClient,
  statusName,
  type SyncLogEntry,
} from '../../../../client/src/index.js';
import { $, badge, button, confirmAction, el, fillTable, input, notify, select, td, when } from './dom.js';
import { describeError, errorText, syncStatusLabel } from './messages.js';

const LEVELS: [string, string][] = Object.entries(NodeAccessLevel).map(([name, code]) => [String(code), name]);
/** Intervals the console offers for scheduled pulls (any other is set with the API or CLI). */
const INTERVALS: [string, string][] = [
  ['', 'by hand'],
  ['300', 'every 5 min'],
  ['900', 'every 15 min'],
  ['3600', 'every hour'],
  ['21600', 'every 6 h'],
  ['86400', 'every day'],
];

/** A connection's schedule in words: off, when it runs next, or why it stopped. */
function scheduleText(status: ConnectionSyncStatus | undefined): string {
  if (!status || status.state === 'off') return 'by hand';
  if (status.state === 'paused') return `paused — ${status.pausedReason ?? ''} (choose an interval again to resume)`;
  if (status.state === 'running') return `every ${status.intervalSeconds} s — running now`;
  const retry = status.state === 'backing_off' ? `retrying after ${status.consecutiveFailures} failure(s), ` : '';
  return `every ${status.intervalSeconds} s — ${retry}next ${when(status.nextRunAt)}`;
}

export interface PeerActions {
  /** Opens the sync dialog for a peer. */
  sync(peer: NodeConnection): void;
  /** Reloads the current tab (after an action changed something). */
  refresh(): void;
}

/** Runs an operator action; its outcome (or its failure, readable) goes to the notice line. */
async function act(what: () => Promise<string>, actions: PeerActions): Promise<void> {
  try {
    notify(await what());
  } catch (error) {
    $('#main-error').textContent = errorText(error);
    return;
  }
  actions.refresh();
}

function scheduleCell(client: PrismClient, node: NodeConnection, status: ConnectionSyncStatus | undefined, actions: PeerActions): HTMLElement {
  const cell = el(
    'td',
    { class: 'schedule-cell' },
    el('span', { class: 'schedule-state' }, scheduleText(status)),
    el('br'),
    el('small', { class: 'behind' }, `feed: ${behindText(status?.behind)}`),
  );
  if (node.status === AuthorizationStatus.Authorized && node.nodeUrl) {
    const current = status?.intervalSeconds == null ? '' : String(status.intervalSeconds);
    const options = INTERVALS.some(([value]) => value === current) ? INTERVALS : [...INTERVALS, [current, `every ${current} s`] as [string, string]];
    const interval = select({ class: 'schedule', 'aria-label': `Schedule of pulls from ${node.nodeName}` }, options, current);
    interval.addEventListener('change', () =>
      void act(async () => {
        const set = await client.sync.setSchedule(node.id, interval.value === '' ? null : Number(interval.value));
        return set.intervalSeconds === null ? `Pulls from ${node.nodeName} now run by hand only.` : `Pulls from ${node.nodeName} now run every ${set.intervalSeconds} s.`;
      }, actions),
    );
    const push = button('Ask to pull', { class: 'small secondary push', title: `Ask ${node.nodeName} to pull from this node now` }, () =>
      void act(async () => {
        const asked = await client.sync.push(node.id);
        return `${node.nodeName} started pulling from this node (its job ${asked.remoteJobId}).`;
      }, actions),
    );
    cell.append(el('br'), interval, push);
  }
  if (node.status === AuthorizationStatus.Authorized) {
    const accept = el('input', { type: 'checkbox', class: 'accept-push' }) as HTMLInputElement;
    accept.checked = status?.acceptPushRequests ?? false;
    accept.addEventListener('change', () =>
      void act(async () => {
        const set = await client.sync.acceptPushRequests(node.id, accept.checked);
        return `${node.nodeName} ${set.acceptPushRequests ? 'may now ask' : 'may no longer ask'} this node to pull from it.`;
      }, actions),
    );
    cell.append(el('br'), el('label', { class: 'accept-push-label' }, accept, ' accepts push requests'));
  }
  return cell;
}

function actionsFor(client: PrismClient, node: NodeConnection, actions: PeerActions): HTMLElement {
  const cell = el('td', { class: 'actions-cell' });
  // A requested change (a known node registered again with other details or a higher level) is
  // approved or rejected like a registration; rejecting it keeps the node as it was.
  const change = node.requestedChange;
  if (node.status === AuthorizationStatus.Pending || change) {
    const proposed = change?.nodeAccessLevel ?? NodeAccessLevel.ReadWrite;
    const level = select({ class: 'approve-level', 'aria-label': `Access level for ${node.nodeName}` }, LEVELS, String(proposed));
    if (change) cell.append(el('span', { class: 'requested-change' }, `Requested: ${change.nodeName}, ${change.nodeUrl || 'no URL'}, ${accessLevelName(change.nodeAccessLevel)}`));
    cell.append(
      level,
      button(change ? 'Approve change' : 'Approve', { class: 'small approve' }, () =>
        void act(async () => {
          const approved = await client.nodes.approve(node.id, Number(level.value) as NodeAccessLevelCode);
          return `Approved ${approved.nodeName} with ${accessLevelName(approved.nodeAccessLevel)} access.`;
        }, actions),
      ),
      button(change ? 'Reject change' : 'Reject', { class: 'small secondary reject' }, () =>
        void confirmAction(
          `Reject ${change ? 'the requested change of ' : ''}${node.nodeName}?`,
          change && node.status !== AuthorizationStatus.Pending ? 'The node stays as it is.' : 'The node will not be able to open sessions with this node.',
          'Reject',
        ).then((yes) => {
          if (yes) void act(async () => `Rejected ${(await client.nodes.reject(node.id)).nodeName}.`, actions);
        }),
      ),
    );
  }
  if (node.status === AuthorizationStatus.Authorized) {
    const sync = button('Sync', { class: 'small sync', 'data-peer-id': node.id }, () => actions.sync(node));
    sync.disabled = !node.nodeUrl;
    sync.title = node.nodeUrl ? `Pull from ${node.nodeName}` : 'This node has no URL: it registered with us, we cannot pull from it';
    const level = select({ class: 'access-level', 'aria-label': `Access level of ${node.nodeName}` }, LEVELS, String(node.nodeAccessLevel));
    level.addEventListener('change', () =>
      void act(async () => {
        const changed = await client.nodes.setAccessLevel(node.id, Number(level.value) as NodeAccessLevelCode);
        return `${changed.nodeName} now has ${accessLevelName(changed.nodeAccessLevel)} access.`;
      }, actions),
    );
    const revoke = button('Revoke', { class: 'small danger revoke' }, () =>
      void confirmAction(`Revoke ${node.nodeName}?`, 'Its sessions stop working at their next request, and it cannot open new ones until an operator registers it again.', 'Revoke').then((yes) => {
        if (yes) void act(async () => `Revoked ${(await client.nodes.revoke(node.id)).nodeName}.`, actions);
      }),
    );
    cell.append(sync, level, revoke);
  }
  return cell;
}

/** The registry with each node's sync state and the actions its status allows. */
export async function renderPeers(client: PrismClient, actions: PeerActions): Promise<void> {
  const [nodes, history, identity, statuses] = await Promise.all([
    client.nodes.list(),
    client.sync.history({ kind: 'pull', pageSize: 100 }),
    client.nodes.identity(),
    client.sync.status(),
  ]);
  const statusOf = new Map(statuses.map((s) => [s.remoteNodeId, s]));
  const lastPull = new Map<string, SyncLogEntry>();
  for (const entry of history.data) if (!lastPull.has(entry.remoteNodeId)) lastPull.set(entry.remoteNodeId, entry);
  $('#identity-details').replaceChildren(
    ...[
      ['Node id', identity.nodeId],
      ['Name', identity.nodeName],
      ['URL', identity.nodeUrl],
      ['Fingerprint', identity.certificateFingerprint],
    ].flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );
  const rows = nodes.map((node) => {
    const totals = lastPull.get(node.id)?.counts?.totals;
    const status = statusName(node.status);
    return el(
      'tr',
      { 'data-node-id': node.id },
      td(node.nodeName),
      td(node.nodeUrl ?? '–'),
      td(badge(status)),
      td(accessLevelName(node.nodeAccessLevel)),
      td(when(node.lastSyncedAt)),
      td(
        node.lastSyncStatus ? badge(syncStatusLabel(node.lastSyncStatus), node.lastSyncStatus) : '–',
        ...(node.lastClockSkewMs === null || node.lastClockSkewMs === undefined ? [] : [el('br'), el('small', { class: 'clock-skew' }, `clock skew ${node.lastClockSkewMs} ms`)]),
        ...(node.protocolLimit ? [el('br'), el('small', { class: 'protocol-limit' }, node.protocolLimit)] : []),
      ),
      td(totals ? `${totals.received} received, ${totals.inserted} new, ${totals.updated} updated, ${totals.deleted} deleted` : '–'),
      scheduleCell(client, node, statusOf.get(node.id), actions),
      actionsFor(client, node, actions),
    );
  });
  fillTable('#connections', rows, 'No peers yet: connect to one above.', 9);
}

/** "Connect to a peer": registers this node at the peer and says what the peer's operator does next. */
export function setUpConnectForm(client: PrismClient, actions: PeerActions): void {
  $('#connect-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = $('#connect-result');
    result.replaceChildren(el('p', { class: 'hint' }, 'Connecting (handshake with the peer)…'));
    try {
      const connected = await client.nodes.connect({
        nodeUrl: input('#connect-url').value.trim(),
        requestedNodeAccessLevel: Number(input('#connect-level').value) as NodeAccessLevelCode,
        contactInfo: input('#connect-contact').value.trim() || undefined,
      });
      const pending = connected.registration.status === AuthorizationStatus.Pending;
      result.replaceChildren(
        el(
          'p',
          { class: 'connected' },
          `Registered at “${connected.peer.nodeName}” (${connected.peer.nodeUrl}) and recorded it here. `,
          pending
            ? `Next: the peer’s operator approves this node in their console (registration ${String(connected.registration.registrationId ?? '–')}); then Sync it below.`
            : 'The peer already trusts this node: Sync it below.',
        ),
      );
      (event.target as HTMLFormElement).reset();
      actions.refresh();
    } catch (error) {
      const failure = describeError(error);
      result.replaceChildren(el('p', { class: 'error' }, `Could not connect: ${failure.text}`, failure.detail ? el('span', { class: 'code' }, failure.detail) : null));
    }
  });
}

