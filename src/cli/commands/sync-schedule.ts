import type { ConnectionSyncStatus } from '../../../client/src/index.js';
import { behindText } from '../../../client/src/index.js';
import { EXIT, UsageError } from '../command';
import { table } from './support/format';
import { print, remoteCommand, required } from './support/remote';

const describe = (s: ConnectionSyncStatus) =>
  s.intervalSeconds === null ? `${s.nodeName}: schedule off (pulls by hand only)` : `${s.nodeName}: pulls every ${s.intervalSeconds} s, next ${s.nextRunAt ?? '-'}`;

/** `prism-node sync:push`: asks a peer to pull from this node now, and follows its pull to the end. */
export const syncPushCommand = remoteCommand({
  name: 'sync:push',
  summary: 'ask a peer to pull from this node now (the peer must accept push requests from this node) and follow its pull',
  usage: 'sync:push <peer id>',
  async run(client, args, json) {
    const peer = required(args, 'peer id', 0);
    const asked = await client.sync.push(peer);
    let progress = await client.sync.pushProgress(peer, asked.remoteJobId);
    while (progress.state === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      progress = await client.sync.pushProgress(peer, asked.remoteJobId);
    }
    print(json, progress, () =>
      progress.state === 'completed'
        ? `the peer pulled from this node: job ${asked.remoteJobId} completed`
        : `the peer's pull ${asked.remoteJobId} ended ${progress.state}${progress.error ? `: ${progress.error.code} ${progress.error.message}` : ''}`,
    );
    return progress.state === 'completed' ? EXIT.ok : EXIT.failure;
  },
});

/** `prism-node sync:accept-push`: whether a peer may ask this node to pull from it. */
export const syncAcceptPushCommand = remoteCommand({
  name: 'sync:accept-push',
  summary: 'allow (--on) or refuse (--off) push requests from a peer: it may then ask this node to pull from it now',
  usage: 'sync:accept-push <peer id> (--on | --off)',
  options: { on: { type: 'boolean' }, off: { type: 'boolean' } },
  async run(client, args, json) {
    const peer = required(args, 'peer id', 0);
    const { on, off } = args.values as { on?: boolean; off?: boolean };
    if (Boolean(on) === Boolean(off)) throw new UsageError('give either --on or --off');
    const status = await client.sync.acceptPushRequests(peer, Boolean(on));
    print(json, status, () => `${status.nodeName}: push requests ${status.acceptPushRequests ? 'accepted' : 'refused'}`);
    return EXIT.ok;
  },
});

/** `prism-node sync:schedule`: pull from a peer every N seconds (or stop); also resumes a paused schedule. */
export const syncScheduleCommand = remoteCommand({
  name: 'sync:schedule',
  summary: 'pull from a peer on its own every N seconds (--every), or stop (--off); setting it again resumes a paused schedule',
  usage: 'sync:schedule <peer id> (--every <seconds> | --off)',
  options: { every: { type: 'string' }, off: { type: 'boolean' } },
  async run(client, args, json) {
    const peer = required(args, 'peer id', 0);
    const { every, off } = args.values as { every?: string; off?: boolean };
    if ((every === undefined) === !off) throw new UsageError('give either --every <seconds> or --off');
    const seconds = off ? null : Number(every);
    if (seconds !== null && (!Number.isInteger(seconds) || seconds < 1)) throw new UsageError('--every must be a whole number of seconds ≥ 1');
    const status = await client.sync.setSchedule(peer, seconds);
    print(json, status, () => describe(status));
    return EXIT.ok;
  },
});

/** `prism-node sync:status`: every connection's schedule state, last success and failure, next run. */
export const syncStatusCommand = remoteCommand({
  name: 'sync:status',
  summary: "every connection's sync state (off, idle, running, backing_off, paused), how far behind the peer's feed, last success, last failure and next run",
  usage: 'sync:status',
  async run(client, _args, json) {
    const connections = await client.sync.status();
    print(json, connections, () =>
      connections.length === 0
        ? 'no connections'
        : table(
            ['peer', 'id', 'state', 'every', 'clock skew', 'behind', 'last success', 'last failure', 'next run'],
            connections.map((s) => [
              s.nodeName,
              s.remoteNodeId,
              s.state,
              s.intervalSeconds === null ? '-' : `${s.intervalSeconds} s`,
              s.clockSkewMs === null ? '-' : `${s.clockSkewMs} ms`,
              behindText(s.behind),
              s.lastSuccess?.at ?? '-',
              s.lastFailure ? `${s.lastFailure.at} ${s.lastFailure.code}` : '-',
              s.pausedReason ? `paused: ${s.pausedReason}` : (s.nextRunAt ?? '-'),
            ]),
          ),
    );
    return EXIT.ok;
  },
});
