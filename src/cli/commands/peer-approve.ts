import { NodeAccessLevel } from '../../../client/src/index.js';
import { EXIT } from '../command';
import { describeConnection, levelOption } from './support/peers';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node peer:approve`: authorizes a node that registered with this node. */
export const peerApproveCommand = remoteCommand({
  name: 'peer:approve',
  summary: 'approve a Pending node that registered with this node, or its requested change, granting an access level (default ReadWrite)',
  usage: 'peer:approve <node id> [--level ReadOnly|ReadWrite|Admin]',
  options: { level: { type: 'string' } },
  async run(client, args, json) {
    const node = await client.nodes.approve(required(args, 'node id', 0), levelOption(args.values.level, NodeAccessLevel.ReadWrite));
    print(json, node, () => describeConnection('approved', node));
    return EXIT.ok;
  },
});
