import { readFile, writeFile } from 'node:fs/promises';
import type { BundleAck } from '../../../client/src/index.js';
import { EXIT, UsageError } from '../command';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node bundle:ack`: on the importer, writes the signed acknowledgement of what it applied from a peer. */
export const bundleAckCommand = remoteCommand({
  name: 'bundle:ack',
  summary: 'write the signed acknowledgement of what this node applied from a peer (for that peer: bundle:accept-ack)',
  usage: 'bundle:ack --peer <peer id> --out <file>',
  options: { peer: { type: 'string' }, out: { type: 'string' } },
  async run(client, args, json) {
    const out = required(args, 'out');
    const ack = await client.bundles.acknowledgement(required(args, 'peer'));
    await writeFile(out, `${JSON.stringify(ack)}\n`, { mode: 0o600 });
    print(json, { file: out }, () => `acknowledgement written to ${out}: give it to the exporter (bundle:accept-ack)`);
    return EXIT.ok;
  },
});

/** `prism-node bundle:accept-ack`: on the exporter, accepts a peer's acknowledgement; its next bundle starts after it. */
export const bundleAcceptAckCommand = remoteCommand({
  name: 'bundle:accept-ack',
  summary: "accept a peer's acknowledgement file: its next bundle holds only what changed since",
  usage: 'bundle:accept-ack <file>',
  async run(client, args, json) {
    const file = required(args, 'file', 0);
    let ack: BundleAck;
    try {
      ack = JSON.parse(await readFile(file, 'utf8')) as BundleAck;
    } catch (error) {
      throw new UsageError(`${file} is not an acknowledgement file: ${(error as Error).message}`);
    }
    const result = await client.bundles.acceptAcknowledgement(ack);
    print(json, result, () =>
      result.moved
        ? `position of peer ${result.remoteNodeId} moved (acknowledged ${result.position.acknowledgedAt}): its next bundle starts there`
        : `position of peer ${result.remoteNodeId} unchanged: it had already confirmed as much (${result.position.source}, ${result.position.acknowledgedAt})`,
    );
    return EXIT.ok;
  },
});
