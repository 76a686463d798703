import { EXIT } from '../command';
import { formatManifest, formatSummary } from './support/format';
import { print, remoteCommand, required } from './support/remote';

/** `prism-node sync:preview`: what a pull would do, applied in a rolled-back transaction. */
export const syncPreviewCommand = remoteCommand({
  name: 'sync:preview',
  summary: 'show what a pull from a peer would move: manifest (rows and bytes per aggregate) and the exact outcome',
  usage: 'sync:preview <peer id>',
  async run(client, args, json) {
    const preview = await client.sync.preview(required(args, 'peer id', 0));
    print(json, preview, () =>
      [formatManifest(preview.manifest), '', formatSummary(preview.preview, 'A pull would apply', 'preview'), `since: ${preview.autoResolvedSince ?? 'the beginning (first pull)'}`].join('\n'),
    );
    return EXIT.ok;
  },
});
