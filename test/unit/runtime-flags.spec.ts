import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingRuntimeFlags, NODE_RUNTIME_FLAGS } from '../../src/config/runtime-flags';

const ROOT = join(__dirname, '../..');

describe('the node\'s V8 flags (src/config/runtime-flags.ts)', () => {
  it('are on every command that starts a node: npm start, npm run start:dev, the Docker image', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const dockerCmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8'));
    expect(dockerCmd).not.toBeNull();
    const starts = { start: scripts.start, 'start:dev': scripts['start:dev'], docker: (JSON.parse(dockerCmd![1]) as string[]).join(' ') };
    for (const [name, command] of Object.entries(starts)) {
      const args = command.slice(command.lastIndexOf('node ')).split(' ');
      expect({ name, missing: missingRuntimeFlags(args.slice(1, args.indexOf('dist/src/main.js')), '') }).toEqual({ name, missing: [] });
    }
  });

  it('tells which flags a process lacks, from its arguments or NODE_OPTIONS, whatever value it gave', () => {
    expect(NODE_RUNTIME_FLAGS).toEqual(['--max-semi-space-size=2', '--expose-gc']);
    expect(missingRuntimeFlags([], '')).toEqual(NODE_RUNTIME_FLAGS);
    expect(missingRuntimeFlags(['--max-semi-space-size=2', '--expose-gc'], '')).toEqual([]);
    expect(missingRuntimeFlags(['--max-semi-space-size=8', '--expose_gc'], '')).toEqual([]);
    expect(missingRuntimeFlags(['--max_semi_space_size=2'], '')).toEqual(['--expose-gc']);
    expect(missingRuntimeFlags(['--max-old-space-size=2'], '')).toEqual(NODE_RUNTIME_FLAGS);
    expect(missingRuntimeFlags(['--expose-gc'], '--enable-source-maps  --max-semi-space-size=2')).toEqual([]);
  });
});
