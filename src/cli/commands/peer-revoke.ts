import { EXIT } from '../command';
import { describeConnection } from './support/peers';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node peer:revoke`: revokes a node (its live sessions stop working at their next request). */
export const peerRevokeCommand = remoteCommand({
  name: 'peer:revoke',
  summary: 'revoke a node: its sessions stop working at their next request',
  usage: 'peer:revoke <node id>',
  async run(client, args, json) {
    const node = await client.nodes.revoke(required(args, 'node id', 0));
    print(json, node, () => describeConnection('revoked', node));
    return EXIT.ok;
  },
});
