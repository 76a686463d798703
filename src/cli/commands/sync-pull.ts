import { EXIT } from '../command';
import { formatSummary, ProgressBar } from './support/format';
import { print, remoteCommand, required } from './support/remote';

/**
 * `prism-node sync:pull`: starts a pull job and follows it live; Ctrl-C cancels the job on the node
 * (nothing of it is applied) and a second Ctrl-C leaves at once.
 */
export const syncPullCommand = remoteCommand({
  name: 'sync:pull',
  summary: 'pull from a peer with a live progress bar (Ctrl-C cancels the job cleanly)',
  usage: 'sync:pull <peer id> [--quiet] [--full-resync]',
  options: { quiet: { type: 'boolean' }, 'full-resync': { type: 'boolean' } },
  async run(client, args, json) {
    const peer = required(args, 'peer id', 0);
    const bar = json || args.values.quiet ? undefined : new ProgressBar();
    const abort = new AbortController();
    const onInterrupt = () => {
      if (abort.signal.aborted) process.exit(EXIT.cancelled);
      process.stderr.write('\ncancelling the sync job…\n');
      abort.abort();
    };
    process.on('SIGINT', onInterrupt);
    try {
      const fullResync = Boolean(args.values['full-resync']);
      const outcome = await client.sync.pull(peer, { onProgress: (p) => bar?.update(p), signal: abort.signal, fullResync });
      bar?.end();
      const { progress, summary } = outcome;
      print(json, outcome, () => {
        if (progress.state !== 'completed') return `sync ${outcome.jobId} ${progress.state}: ${progress.error?.message ?? 'no reason given'}${progress.error ? ` (${progress.error.code})` : ''}`;
        return summary ? formatSummary(summary, `Pull ${outcome.jobId} completed`) : `pull ${outcome.jobId} completed`;
      });
      if (progress.state === 'completed') return EXIT.ok;
      return abort.signal.aborted ? EXIT.cancelled : EXIT.failure;
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  },
});
