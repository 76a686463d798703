// Regenerates client/src/aggregate-tables.ts, the SDK's copy of the node's aggregate registry
// (the SDK is a separate package and cannot import the node): `npm run build && node dist/scripts/sdk-tables.js`.
// test/unit/sdk/aggregate-tables.spec.ts fails while the file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYNC_SPECS } from '../src/aggregates';
import { AggregateSpec } from '../src/core/sync-kernel/aggregate-spec';


/** The file's text for these specs (registration order, each aggregate's tables in window order). */
export function renderAggregateTables(specs: readonly AggregateSpec[]): string {
  const files = specs.flatMap((s) => s.files ?? []);
  const quote = (s: string) => `'${s}'`;
  return [
    '// Generated from the node\'s aggregate registry by scripts/sdk-tables.ts; do not edit.',
    '// Regenerate: npm run build && node dist/scripts/sdk-tables.js (test/unit/sdk/aggregate-tables.spec.ts checks it).',
    '',
    '/** Aggregate names, in the node\'s manifest order. */',
    `export type AggregateName = ${specs.map((s) => quote(s.name)).join(' | ')};`,
    '',
    '/** The tables of each aggregate (the node\'s sync catalog), in window order. */',
    'export const AGGREGATE_TABLES: Record<AggregateName, string[]> = {',
    ...specs.map((s) => `  ${/^[a-z][A-Za-z0-9]*$/.test(s.name) ? s.name : quote(s.name)}: [${s.tables.map(quote).join(', ')}],`),
    '};',
    '',
    '/** The name the files synced rows reference are counted under (summaries, metrics). */',
    `export const FILES_NAME: string | null = ${files.length ? quote(files[0].name) : 'null'};`,
    '',
  ].join('\n');
}

if (require.main === module) {
  const target = join(process.cwd(), 'client', 'src', 'aggregate-tables.ts');
  writeFileSync(target, renderAggregateTables(SYNC_SPECS));
  console.log(`${target}: ${SYNC_SPECS.length} aggregates`);
}
