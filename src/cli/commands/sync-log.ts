import type { JobKind, SyncLogStatus } from '../../../client/src/index.js';
import { EXIT } from '../command';
import { pageFooter, table } from './support/format';
import { PAGE_OPTIONS, PAGE_USAGE, pageArgs, print, remoteCommand } from './support/remote';

/** `prism-node sync:log`: the sync history, newest first. */
export const syncLogCommand = remoteCommand({
  name: 'sync:log',
  summary: 'show the sync history (newest first), optionally for one peer, status or kind',
  usage: `sync:log [--peer <peer id>] [--status completed|failed|rolled_back|cancelled|in_progress] [--kind pull|preview] ${PAGE_USAGE}`,
  options: { peer: { type: 'string' }, status: { type: 'string' }, kind: { type: 'string' }, ...PAGE_OPTIONS },
  async run(client, args, json) {
    const log = await client.sync.history({
      remoteNodeId: args.values.peer as string | undefined,
      status: args.values.status as SyncLogStatus | undefined,
      kind: args.values.kind as JobKind | undefined,
      ...pageArgs(args),
    });
    print(json, log, () =>
      log.data.length === 0
        ? 'no syncs yet'
        : [
            table(
              ['job', 'kind', 'status', 'started', 'rows', 'inserted', 'updated', 'deleted', 'resumed', 'error'],
              log.data.map((e) => [
                e.id,
                e.kind,
                e.status,
                e.startedAt,
                e.counts?.totals.received ?? '-',
                e.counts?.totals.inserted ?? '-',
                e.counts?.totals.updated ?? '-',
                e.counts?.totals.deleted ?? '-',
                e.resumed ? `${e.resumed.pages} pages, ${e.resumed.files} files reused` : '',
                e.errorCode ?? '',
              ]),
            ),
            pageFooter(log, 'syncs'),
          ].join('\n'),
    );
    return EXIT.ok;
  },
});
