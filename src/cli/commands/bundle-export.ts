import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EXIT } from '../command';
import { formatBytes } from './support/format';
import { print, remoteCommand, required } from './support/remote';

/**
 * `prism-node bundle:export`: writes an offline bundle for a peer — everything its next pull would
 * bring since the position it acknowledged — to a file (written aside, then renamed: a file at
 * --out is always whole).
 */
export const bundleExportCommand = remoteCommand({
  name: 'bundle:export',
  summary: "write an offline bundle for a peer (what its next pull would bring), encrypted for it and signed",
  usage: 'bundle:export --peer <peer id> --out <file> [--full]',
  options: { peer: { type: 'string' }, out: { type: 'string' }, full: { type: 'boolean' } },
  async run(client, args, json) {
    const peer = required(args, 'peer');
    const out = required(args, 'out');
    const bundle = await client.bundles.export(peer, { full: Boolean(args.values.full) });
    const part = `${out}.part`;
    try {
      await pipeline(Readable.fromWeb(bundle.body as WebReadableStream<Uint8Array>), createWriteStream(part, { mode: 0o600 }));
      await rename(part, out);
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    }
    print(json, { bundleId: bundle.bundleId, file: out, bytes: bundle.size }, () => `bundle ${bundle.bundleId} written to ${out}${bundle.size ? ` (${formatBytes(bundle.size)})` : ''}; carry it to the peer and import it there with bundle:import`);
    return EXIT.ok;
  },
});
