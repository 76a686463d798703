import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATE_TABLES, aggregateOfTable, FILES_NAME } from '../../../client/src/types';
import { SYNC_SPECS } from '../../../src/aggregates';
import { renderAggregateTables } from '../../../scripts/sdk-tables';

/** The SDK's table lists are generated from the node's aggregate registry, never kept by hand. */
describe('SDK aggregate tables', () => {
  it('client/src/aggregate-tables.ts is what the registry generates (npm run build && node dist/scripts/sdk-tables.js)', () => {
    const file = readFileSync(join(__dirname, '../../../client/src/aggregate-tables.ts'), 'utf8');
    expect(file).toBe(renderAggregateTables(SYNC_SPECS));
  });

  it('names every synced table once, under its aggregate', () => {
    const tables = SYNC_SPECS.flatMap((s) => s.tables);
    expect(Object.values(AGGREGATE_TABLES).flat().sort()).toEqual([...tables].sort());
    for (const spec of SYNC_SPECS) for (const table of spec.tables) expect(aggregateOfTable(table)).toBe(spec.name);
    expect(aggregateOfTable('not_a_table')).toBe('not_a_table');
    expect(FILES_NAME).toBe(SYNC_SPECS.flatMap((s) => s.files ?? [])[0]?.name ?? null);
  });
});
