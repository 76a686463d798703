import { EXIT } from '../command';
import { formatConnections } from './support/peers';
import { print, remoteCommand } from './support/remote';

/** `prism-node peer:list`: the node registry with status, access level and last sync. */
export const peerListCommand = remoteCommand({
  name: 'peer:list',
  summary: 'list the registered nodes and peers with status, access level and last sync',
  usage: 'peer:list',
  async run(client, _args, json) {
    const nodes = await client.nodes.list();
    print(json, nodes, () => formatConnections(nodes));
    return EXIT.ok;
  },
});
