// Jest cannot load the ESM-only @nestjs/* v12 packages on Node 20 natively; @swc/jest transpiles
// both our TypeScript and those packages to CommonJS (see ../shared/reference/ecosystem-2026.md §6).
const swc = (ts) => [
  '@swc/jest',
  {
    jsc: {
      parser: ts ? { syntax: 'typescript', decorators: true } : { syntax: 'ecmascript' },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  testEnvironment: 'node',
  // Relative ".js" imports (nodenext style, used by client/) resolve to the TypeScript sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc(true), '^.+\\.m?js$': swc(false) },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras)/)',
  ],
};
// One PostgreSQL server for a run of the database tiers (TEST_DATABASE_URL, testcontainers or
// embedded), with a migrated template database; every suite clones its own database from it. The
// unit tier needs no database, so it starts none (per-project setup runs only for projects that run).
const database = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
module.exports = {
  // Jest reads testTimeout globally, not per project; nodes, databases and pulls need more than 5 s
  // on a loaded 2-core machine.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      ...database,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
    },
    {
      // The Dockerfile dry build and, where podman is installed, its real OCI build (scripts/docker):
      // about 4 min each, most of it npm ci, so not in `npm test` (`npm run test:docker`).
      ...common,
      ...database,
      displayName: 'docker',
      testMatch: ['<rootDir>/test/docker/**/*.docker-spec.ts'],
    },
    {
      ...common,
      ...database,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // No node process outlives its file, whatever failed (a stray one keeps Jest from exiting).
      setupFilesAfterEnv: ['<rootDir>/test/e2e/harness/after-file.ts'],
    },
  ],
};
