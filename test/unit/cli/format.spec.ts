import { table } from '../../../src/cli/commands/support/format';

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
