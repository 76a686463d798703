// Regenerates .env.example and the README's settings table from the settings declared in src/config
// (npm run config:env-example).
import { readFileSync, writeFileSync } from 'node:fs';
import { documentedSettings } from '../src/config';

const lines = [
  '# PRISM node configuration. Every setting is optional unless marked otherwise; the defaults',
  '# start a node on an embedded PostgreSQL in DATA_DIR. Copy to .env (or point ENV_FILE at a file).',
  '',
];
for (const s of documentedSettings()) {
  lines.push(`# ${s.description}${s.default === undefined ? '' : ` (default: ${s.default})`}`);
  lines.push(`# ${s.name}=${s.default ?? ''}`);
  lines.push('');
}
writeFileSync('.env.example', lines.join('\n'));
console.log(`.env.example: ${documentedSettings().length} settings`);

const table = [
  '| setting | default | meaning |',
  '|---|---|---|',
  ...documentedSettings().map((s) => `| \`${s.name}\` | ${s.default === undefined ? '—' : `\`${s.default}\``} | ${s.description} |`),
].join('\n');
const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(/(<!-- settings:start[^\n]*-->\n)[\s\S]*?(\n<!-- settings:end -->)/, `$1${table}$2`);
writeFileSync('README.md', updated);
console.log(`README.md: settings table ${updated === readme ? 'unchanged' : 'updated'}`);
