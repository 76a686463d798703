import { EXIT } from '../command';
import { table } from './support/format';
import { print, remoteCommand } from './support/remote';

/** `prism-node conflicts:list`: archived losing versions of conflicting rows. */
export const conflictsListCommand = remoteCommand({
  name: 'conflicts:list',
  summary: 'list archived sync conflicts (the losing versions), optionally for one peer, table or sync',
  usage: 'conflicts:list [--peer <peer id>] [--table <table>] [--sync <job id>] [--page <n>] [--page-size <n>]',
  options: { peer: { type: 'string' }, table: { type: 'string' }, sync: { type: 'string' }, page: { type: 'string' }, 'page-size': { type: 'string' } },
  async run(client, args, json) {
    const conflicts = await client.sync.conflicts({
      remoteNodeId: args.values.peer as string | undefined,
      table: args.values.table as string | undefined,
      syncLogId: args.values.sync as string | undefined,
      page: args.values.page === undefined ? undefined : Number(args.values.page),
      pageSize: args.values['page-size'] === undefined ? undefined : Number(args.values['page-size']),
    });
    print(json, conflicts, () =>
      conflicts.data.length === 0
        ? 'no conflicts'
        : [
            table(['when', 'table', 'key', 'winner', 'rule', 'sync'], conflicts.data.map((c) => [c.createdAt, c.table, JSON.stringify(c.key), c.winner, c.rule, c.syncLogId])),
            `page ${conflicts.page}/${Math.max(1, conflicts.totalPages)} (${conflicts.totalRecords} conflicts)`,
          ].join('\n'),
    );
    return EXIT.ok;
  },
});
