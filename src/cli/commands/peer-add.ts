import { AuthorizationStatus, NodeAccessLevel } from '../../../client/src/index.js';
import { EXIT } from '../command';
import { certificateOption, describeConnection, levelOption } from './support/peers';
import { print, remoteCommand, required } from './support/remote';

/**
 * `prism-node peer:add`: a peer this node will pull from. Without --certificate the node introduces
 * itself (registers at the peer, whose operator then approves it) and records the peer; with
 * --certificate it only records a peer that already knows this node, unless --register asks it to
 * introduce itself too (a reference node, which serves no identity route, with its certificate).
 */
export const peerAddCommand = remoteCommand({
  name: 'peer:add',
  summary: 'add a peer to pull from: registers this node at the peer (then approve it there), or records a known peer with --certificate',
  usage: 'peer:add --peer-url <url> [--level ReadOnly|ReadWrite|Admin] [--contact <text>] [--certificate <base64 DER | PEM file> --name <name> [--register]]',
  options: {
    name: { type: 'string' },
    'peer-url': { type: 'string' },
    certificate: { type: 'string' },
    level: { type: 'string' },
    contact: { type: 'string' },
    register: { type: 'boolean' },
  },
  async run(client, args, json) {
    const nodeUrl = required(args, 'peer-url');
    const level = levelOption(args.values.level, NodeAccessLevel.ReadWrite);
    if (args.values.certificate === undefined || args.values.register) {
      const result = await client.nodes.connect({
        nodeUrl,
        requestedNodeAccessLevel: level,
        contactInfo: args.values.contact as string | undefined,
        certificate: args.values.certificate === undefined ? undefined : certificateOption(args.values.certificate as string),
        nodeName: args.values.name as string | undefined,
      });
      print(json, result, () =>
        [
          `registered at "${result.peer.nodeName}" (${result.peer.nodeUrl}); peer recorded here as ${result.connectionId}`,
          `next, on the peer: prism-node peer:approve ${String(result.registration.registrationId ?? '<registration id>')} --level ${Object.entries(NodeAccessLevel).find(([, v]) => v === level)?.[0]}`,
          `then here: prism-node sync:pull ${result.connectionId}`,
        ].join('\n'),
      );
      return EXIT.ok;
    }
    const connection = await client.nodes.add({
      nodeName: required(args, 'name'),
      nodeUrl,
      certificate: certificateOption(required(args, 'certificate')),
      nodeAccessLevel: level,
      status: AuthorizationStatus.Authorized,
    });
    print(json, connection, () => `${describeConnection('added', connection)}\npull from it with: prism-node sync:pull ${connection.id}`);
    return EXIT.ok;
  },
});
