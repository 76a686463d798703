import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The service blocks of docker/compose.yml (two-space-indented keys under `services:`), by name. */
function services(): Map<string, string> {
  const text = readFileSync(join(__dirname, '../../../docker/compose.yml'), 'utf8');
  const body = text.slice(text.indexOf('\nservices:\n'));
  const blocks = new Map<string, string>();
  for (const match of body.matchAll(/^ {2}([a-z0-9-]+):\n((?: {4}.*\n|\s*\n)*)/gm)) blocks.set(match[1], match[2]);
  return blocks;
}

describe('docker/compose.yml', () => {
  it('does not publish PostgreSQL on the host (only the nodes reach it)', () => {
    const postgres = services().get('postgres');
    expect(postgres).toBeDefined();
    expect(postgres).not.toMatch(/^\s+ports:/m);
  });
});
