import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/**
 * Module boundaries (src/**): what each folder may import. Anything else in src is refused, so a
 * new folder starts walled off. Aggregate modules are the folders with a *.sync-spec.ts; they
 * depend on the engines and the kernel, and reach other aggregates only for entities (foreign
 * keys), spec parts (recordings travel inside sessions) and the ports they declare. Dependencies run one way: aggregate
 * modules → engines (sync, crud) → kernel (core).
 */
const ROOT = dirname(fileURLToPath(import.meta.url));
const SRC = join(ROOT, 'src');
const aggregates = readdirSync(SRC, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(SRC, d.name)).some((f) => f.endsWith('.sync-spec.ts')))
  .map((d) => d.name);
/** Files of an aggregate another one may import: its entities, its spec part, the ports it declares. */
const shared = (name) => [`${name}/entities`, `${name}/${name}.sync-spec.ts`, ...readdirSync(join(SRC, name)).filter((f) => f.endsWith('.port.ts')).map((f) => `${name}/${f}`)];
const only = (target, allowed, message) => ({ target: `./src/${target}`, from: './src', except: [`./${target}`, ...allowed.map((a) => `./${a}`)], message });
const boundaries = [
  only('core', ['config'], 'core (kernel, errors, HTTP helpers) depends on no feature module.'),
  only('crud', ['core', 'config', 'nodes'], 'the CRUD engine names no aggregate: resources come from CrudModule.forFeature, files through its ExportFiles port.'),
  only('sync', ['core', 'config', 'nodes', 'node-trust'], 'the sync engine names no aggregate: specs come from SyncModule.forFeature, files through the SyncedFiles port.'),
  only('node-trust', ['core', 'config', 'nodes'], 'node-trust depends on nothing above it (in particular not on sync).'),
  only('nodes', ['core', 'config', 'node-trust'], 'the node registry reads other modules only through ports it declares (PeerSyncStatus).'),
  only('users', ['core', 'config', 'crud', 'research/entities'], 'users depend on the kernel, the CRUD engine\'s reference helpers and the researcher entity their foreign key names.'),
  only('observability', ['core', 'config', 'sync', 'node-trust'], 'observability listens to sync events; it does not reach into other modules.'),
  ...aggregates.map((name) =>
    only(
      name,
      [
        'core',
        'config',
        'sync',
        'crud',
        'nodes/entities',
        ...aggregates.filter((other) => other !== name).flatMap(shared),
      ],
      `an aggregate module uses the engines and the kernel; other aggregates only for entities, spec parts and the ports they declare.`,
    ),
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'client/dist/**', 'client/node_modules/**', 'data/**', 'bench/results/**', 'src/admin/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in src/config only' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })] },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: boundaries }] },
  },
  {
    files: ['src/config/**', 'test/**', 'bench/**', 'scripts/**', 'ormconfig.ts', 'src/cli/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
