import { EXIT } from '../command';
import { table } from './support/format';
import { print, remoteCommand } from './support/remote';

/** `prism-node verify`: digests of every synced table and of the file store (equal digests = equal data). */
export const verifyCommand = remoteCommand({
  name: 'verify',
  summary: 'print digests of every aggregate and the file store; compare two nodes with --expect <digest>',
  usage: 'verify [--expect <digest>]',
  options: { expect: { type: 'string' } },
  async run(client, args, json) {
    const report = await client.sync.verify();
    const expected = args.values.expect as string | undefined;
    const ok = report.files.missing.length === 0 && (expected === undefined || expected === report.digest);
    print(json, { ...report, ok }, () =>
      [
        table(['aggregate', 'rows', 'digest'], Object.entries(report.aggregates).map(([name, a]) => [name, a.rows, a.digest])),
        `files: ${report.files.referenced} referenced, ${report.files.missing.length} missing`,
        `digest: ${report.digest}${expected === undefined ? '' : expected === report.digest ? ' (matches)' : ` (expected ${expected}: DIFFERENT)`}`,
      ].join('\n'),
    );
    return ok ? EXIT.ok : EXIT.failure;
  },
});
