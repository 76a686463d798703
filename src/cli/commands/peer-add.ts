import { AuthorizationStatus, NodeAccessLevel } from '../../../client/src/index.js';
import { EXIT } from '../command';
import { certificateOption, describeConnection, levelOption } from './support/peers';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node peer:add`: a peer this node will pull from (its URL and certificate). */
export const peerAddCommand = remoteCommand({
  name: 'peer:add',
  summary: 'add a peer this node pulls from (its URL and certificate, as the peer granted us)',
  usage: 'peer:add --name <name> --peer-url <url> --certificate <base64 DER | PEM | file> [--level ReadOnly|ReadWrite|Admin]',
  options: { name: { type: 'string' }, 'peer-url': { type: 'string' }, certificate: { type: 'string' }, level: { type: 'string' } },
  async run(client, args, json) {
    const connection = await client.nodes.add({
      nodeName: required(args, 'name'),
      nodeUrl: required(args, 'peer-url'),
      certificate: certificateOption(required(args, 'certificate')),
      nodeAccessLevel: levelOption(args.values.level, NodeAccessLevel.ReadWrite),
      status: AuthorizationStatus.Authorized,
    });
    print(json, connection, () => `${describeConnection('added', connection)}\npull from it with: prism-node sync:pull ${connection.id}`);
    return EXIT.ok;
  },
});
