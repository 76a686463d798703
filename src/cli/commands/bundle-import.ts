import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { EXIT, UsageError } from '../command';
import { formatSummary } from './support/format';
import { print, remoteCommand, required } from './support/remote';

/**
 * `prism-node bundle:import`: verifies an offline bundle (signature, recipient, sender, versions,
 * hashes) and applies it like a pull, or previews it (`--preview`: applied in a rolled-back
 * transaction). `--ack-out` writes the signed acknowledgement to give back to the exporter.
 */
export const bundleImportCommand = remoteCommand({
  name: 'bundle:import',
  summary: 'verify and apply an offline bundle like a pull (--preview: only show what it would do)',
  usage: 'bundle:import <file> [--preview] [--ack-out <file>]',
  options: { preview: { type: 'boolean' }, 'ack-out': { type: 'string' } },
  async run(client, args, json) {
    const file = required(args, 'file', 0);
    const preview = Boolean(args.values.preview);
    const ackOut = args.values['ack-out'] as string | undefined;
    if (preview && ackOut) throw new UsageError('--ack-out needs an import, not a --preview');
    let blob: Blob;
    try {
      blob = await openAsBlob(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const result = await client.bundles.import(blob, { preview });
    if (ackOut && result.ack) await writeFile(ackOut, `${JSON.stringify(result.ack)}\n`, { mode: 0o600 });
    const m = result.manifest;
    print(json, result, () =>
      [
        `Bundle ${result.bundleId} from "${m.exporter.nodeName}" (${m.exporter.nodeId}), made ${m.createdAt}: verified`,
        formatSummary(result.summary, preview ? 'The import would apply' : `Bundle applied (job ${result.jobId})`, preview ? 'preview' : 'pull'),
        ackOut && result.ack ? `acknowledgement written to ${ackOut}: give it to the exporter (bundle:accept-ack)` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    return EXIT.ok;
  },
});
