import { EXIT } from '../command';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node conflicts:restore`: writes a conflict's losing version back as a new local edit (Admin). */
export const conflictsRestoreCommand = remoteCommand({
  name: 'conflicts:restore',
  summary: 'restore the losing version of an archived conflict as a new local edit (Admin); refused when the row changed since',
  usage: 'conflicts:restore <conflict id>',
  async run(client, args, json) {
    const result = await client.sync.restoreConflict(required(args, 'conflict id', 0));
    print(json, result, () =>
      result.action === 'written'
        ? `restored: ${result.table} ${JSON.stringify(result.key)} now holds the losing version (a new local edit, stamped ${String(result.row?.updatedAt)})`
        : `restored: ${result.table} ${JSON.stringify(result.key)} deleted again (the losing delete)`,
    );
    return EXIT.ok;
  },
});
