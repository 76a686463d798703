import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { buildContext, DOCKERIGNORE, dockerignore } from '../../../scripts/docker/build-context';
import { copyOperands, parseDockerfile } from '../../../scripts/docker/dockerfile';

/**
 * The Docker image builds from a clean checkout: every path the Dockerfile copies is in the build
 * context (the tracked files less docker/Dockerfile.dockerignore), every file src imports is in the
 * context and copied, and every package src loads at run time is a production dependency (the
 * runtime stage keeps only those). Without a Docker engine, `npm run docker:dry-build` runs the
 * Dockerfile's steps themselves (test/docker/); docker/compose.yml is checked by `npm run lint` (dclint).
 */
const ROOT = resolve(__dirname, '../../..');

/** Sources of the COPY instructions that read the build context (not `--from=` another stage). */
const copied = parseDockerfile(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8'))
  .filter((i) => ['COPY', 'ADD'].includes(i.keyword) && i.flags.from === undefined)
  .flatMap((i) => copyOperands(i.args).sources.map((a) => a.replace(/^\.\//, '').replace(/\/+$/, '')));

const contextFiles = buildContext(ROOT).files;
const inContext = (path: string) => contextFiles.some((f) => f === path || f.startsWith(`${path}/`));
const isCopied = (path: string) => copied.some((source) => source === '.' || path === source || path.startsWith(`${source}/`));

/** Module specifiers a TypeScript file loads at run time (type-only imports are erased). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [/^\s*import\s+(?!type\s)(?:[\s\S]*?\s+from\s+)?['"]([^'"]+)['"]/gm, /^\s*export\s+(?!type\s)[^;]*?\s+from\s+['"]([^'"]+)['"]/gm, /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => contextFiles.includes(candidate));
}

const sources = contextFiles.filter((f) => f.startsWith('src/') && f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.startsWith('src/admin/static/'));

describe('Docker build context (docker/Dockerfile + docker/Dockerfile.dockerignore)', () => {
  it('holds everything the Dockerfile copies', () => {
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'client', 'migrations']));
    expect(copied.filter((source) => !inContext(source))).toEqual([]);
  });

  it('holds and copies every file src imports, outside src too (the SDK in client/, migrations)', () => {
    expect(sources.length).toBeGreaterThan(100);
    const missing: string[] = [];
    for (const file of sources) {
      for (const specifier of runtimeImports(readFileSync(join(ROOT, file), 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = resolveRelative(file, specifier);
        if (!target || !isCopied(target)) missing.push(`${file} → ${specifier}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds every package src loads at run time among the production dependencies', () => {
    const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const outside: string[] = [];
    for (const file of sources) {
      for (const specifier of runtimeImports(readFileSync(join(ROOT, file), 'utf8'))) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (!(name in dependencies)) outside.push(`${file} → ${name}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('excludes what the image must not carry (dependencies, build output, tests, local data, secrets)', () => {
    const excluded = dockerignore(readFileSync(join(ROOT, DOCKERIGNORE), 'utf8'));
    const paths = ['node_modules/x/index.js', 'dist/src/main.js', 'test/unit/a.spec.ts', 'data/node/pg/PG_VERSION', '.env', 'client/node_modules/x.js'];
    expect(paths.filter((path) => !excluded(path))).toEqual([]);
    expect(['src/main.ts', 'client/src/index.ts', 'package-lock.json'].filter(excluded)).toEqual([]);
  });

  it('has the same rules in the root .dockerignore (the legacy builder and docker-compose v1 read only that one)', () => {
    const rules = (path: string) => readFileSync(join(ROOT, path), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(rules('.dockerignore')).toEqual(rules(DOCKERIGNORE));
  });
});

describe('docker/compose.yml for docker compose v2 and docker-compose v1', () => {
  it('uses only the top-level keys both accept (v1 rejects `name:`)', () => {
    const text = readFileSync(join(ROOT, 'docker/compose.yml'), 'utf8');
    const topLevel = [...text.matchAll(/^([A-Za-z][\w.-]*):/gm)].map((m) => m[1]);
    expect(topLevel.filter((key) => !key.startsWith('x-') && !['version', 'services', 'networks', 'volumes', 'secrets', 'configs'].includes(key))).toEqual([]);
    expect(topLevel).toContain('services');
  });
});
