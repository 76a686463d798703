import { formatSummary, progressLine, table } from '../../../src/cli/commands/support/format';
import { formatEta } from '../../../client/src/format';

describe('CLI tables', () => {
  it('left-aligns text columns with their headers and right-aligns numbers and sizes', () => {
    const text = table(
      ['id', 'name', 'rows', 'size'],
      [
        ['a1', 'Node B', 10, '1.2 KiB'],
        ['b22', 'A longer name', 6, '300 B'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'id   name           rows     size',
      '---  -------------  ----  -------',
      'a1   Node B           10  1.2 KiB',
      'b22  A longer name     6    300 B',
    ]);
  });

  it('keeps placeholders in a text column left-aligned', () => {
    expect(table(['url', 'status'], [['-', 'Pending'], ['http://x', 'Authorized']]).split('\n')[2]).toBe('-         Pending');
  });
});

describe('pull progress and summary', () => {
  it('count the same rows: deletions included, as the manifest does', () => {
    const result = (table: string, received: number, tombstonesReceived: number) => ({
      table,
      received,
      inserted: received,
      updated: 0,
      unchanged: 0,
      skippedDeleted: 0,
      skippedOrphans: 0,
      skippedFuture: 0,
      deleted: tombstonesReceived,
      tombstonesReceived,
      conflicts: 0,
    });
    const tables = [result('volunteer', 2, 0), result('session_annotation', 1, 1)];
    const summary = {
      tables,
      totals: { received: 3, inserted: 3, updated: 0, unchanged: 0, deleted: 1, conflicts: 0 },
      entitiesReceived: {},
      files: { referenced: 0, downloaded: 0, alreadyPresent: 0, bytesDownloaded: 0 },
      durationMs: 1200,
    };
    // The final progress of that pull: the manifest announced 3 rows and 1 deletion.
    const progress = {
      jobId: 'j',
      kind: 'pull' as const,
      remoteNodeId: 'r',
      state: 'completed' as const,
      phase: 'done' as const,
      aggregate: null,
      table: null,
      rows: { done: 4, total: 4 },
      bytes: { done: 100, total: 100 },
      files: { done: 0, total: 0, bytesDone: 0, bytesTotal: 0 },
      applied: { done: 4, total: 4 },
      percent: 100,
      rowsPerSecond: 4,
      etaSeconds: null,
      startedAt: '',
      updatedAt: '',
      error: null,
    };
    const counted = (text: string) => Number(/(\d+) rows received/.exec(text)?.[1] ?? /\d+\/(\d+) rows/.exec(text)?.[1]);
    expect(counted(progressLine(progress))).toBe(4);
    expect(counted(formatSummary(summary, 'Incremental pull'))).toBe(4);
    expect(formatSummary(summary, 'Incremental pull').split('\n')[0]).toBe('Incremental pull: 4 rows received (1 of them a deletion) in 1.2 s');
    // The table's received column, per aggregate and in total, counts the deletion as well.
    // One row is a row; a preview brings nothing yet, so it says what a pull would bring.
    const one = { ...summary, tables: [result('volunteer', 1, 0)] };
    expect(formatSummary(one, 'Pull').split('\n')[0]).toBe('Pull: 1 row received in 1.2 s');
    expect(formatSummary(summary, 'A pull would apply', 'preview').split('\n')[0]).toBe('A pull would apply: 4 rows (1 of them a deletion) (previewed in 1.2 s)');
    const totalRow = formatSummary(summary, 'Incremental pull').split('\n').find((line) => line.startsWith('total'));
    expect(totalRow?.split(/\s+/).slice(0, 2)).toEqual(['total', '4']);
  });

  it('say the time left in whole seconds, as the API gives it', () => {
    expect([0, 1, 2, 59, 60, 125].map(formatEta)).toEqual(['less than a second', '1 s', '2 s', '59 s', '1 min 0 s', '2 min 5 s']);
  });
});
