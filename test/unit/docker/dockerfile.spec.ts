import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandOf, copyOperands, durationMs, envPairs, parseDockerfile, substitute, words } from '../../../scripts/docker/dockerfile';

/** The Dockerfile reader the dry build (scripts/docker/dry-build.ts) and build-context.spec.ts share. */
describe('Dockerfile reader', () => {
  it('reads docker/Dockerfile: continuations joined, comments dropped, options split off', () => {
    const instructions = parseDockerfile(readFileSync(join(resolve(__dirname, '../../..'), 'docker/Dockerfile'), 'utf8'));
    expect(instructions[0]).toMatchObject({ keyword: 'FROM', args: 'node:20-bookworm-slim AS build', line: 5 });
    const env = instructions.find((i) => i.keyword === 'ENV');
    expect(envPairs(env?.args ?? '')).toEqual([['NODE_ENV', 'production'], ['HOST', '0.0.0.0'], ['PORT', '3000'], ['DATA_DIR', '/data']]);
    const health = instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.flags).toEqual({ interval: '10s', timeout: '3s', 'start-period': '30s', retries: '5' });
    expect(health?.args).toMatch(/^CMD node -e "fetch\(/);
    expect(instructions.find((i) => i.flags.from === 'build')?.args).toBe('/app/package.json ./');
  });

  it('tells exec form from shell form, and splits words as Docker does', () => {
    expect(commandOf('["node", "main.js"]')).toEqual(['node', 'main.js']);
    expect(commandOf('npm ci && echo "[x]"')).toEqual(['/bin/sh', '-c', 'npm ci && echo "[x]"']);
    expect(commandOf('[not json')).toEqual(['/bin/sh', '-c', '[not json']);
    expect(words(`a "b c" 'd $e' f\\ g`)).toEqual(['a', 'b c', 'd $e', 'f g']);
    expect(copyOperands('["a b", "./"]')).toEqual({ sources: ['a b'], dest: './' });
    expect(envPairs('LEGACY some value')).toEqual([['LEGACY', 'some value']]);
  });

  it('substitutes $NAME and ${NAME}, refuses the forms it does not interpret', () => {
    expect(words(substitute('$HOME/x ${USER}y \\$LITERAL', { HOME: '/root', USER: 'node' }))).toEqual(['/root/x', 'nodey', '$LITERAL']);
    expect(() => substitute('${X:-default}', {})).toThrow(/not supported/);
    expect(() => parseDockerfile('# escape=`\nFROM x')).toThrow(/escape/);
  });

  it('reads Go durations', () => {
    expect(durationMs('10s')).toBe(10_000);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('500ms')).toBe(500);
    expect(() => durationMs('10')).toThrow(/not a duration/);
  });
});
