import { EXIT } from '../command';
import { pageFooter, table } from './support/format';
import { PAGE_OPTIONS, PAGE_USAGE, pageArgs, print, remoteCommand } from './support/remote';

/** `prism-node conflicts:list`: archived losing versions of conflicting rows. */
export const conflictsListCommand = remoteCommand({
  name: 'conflicts:list',
  summary: 'list archived sync conflicts (the losing versions), optionally for one peer, table or sync',
  usage: `conflicts:list [--peer <peer id>] [--table <table>] [--sync <job id>] ${PAGE_USAGE}`,
  options: { peer: { type: 'string' }, table: { type: 'string' }, sync: { type: 'string' }, ...PAGE_OPTIONS },
  async run(client, args, json) {
    const conflicts = await client.sync.conflicts({
      remoteNodeId: args.values.peer as string | undefined,
      table: args.values.table as string | undefined,
      syncLogId: args.values.sync as string | undefined,
      ...pageArgs(args),
    });
    print(json, conflicts, () =>
      conflicts.data.length === 0
        ? 'no conflicts'
        : [
            table(['when', 'table', 'key', 'winner', 'rule', 'sync'], conflicts.data.map((c) => [c.createdAt, c.table, JSON.stringify(c.key), c.winner, c.rule, c.syncLogId])),
            pageFooter(conflicts, 'conflicts'),
          ].join('\n'),
    );
    return EXIT.ok;
  },
});
