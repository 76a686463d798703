import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/**
 * Lints snippets as if they were files of src with the project's eslint.config.mjs (one ESLint run
 * in a child process: ESLint loads its config as an ES module, which Jest's CommonJS cannot).
 * Returns, per snippet, the import-boundary errors.
 */
function boundaryErrors(snippets: [file: string, code: string][]): number[] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: process.cwd() });
    const snippets = JSON.parse(process.argv[1]);
    const counts = [];
    for (const [file, code] of snippets) {
      const [result] = await eslint.lintText(code, { filePath: file });
      counts.push(result.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').length);
    }
    console.log(JSON.stringify(counts));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(snippets)], { cwd: ROOT, encoding: 'utf8' }));
}

/** The import-boundary rule of eslint.config.mjs is on: crossing a wall fails the lint. */
describe('module boundaries', () => {
  it('refuses imports across a wall and allows them downwards', () => {
    const refused: [string, string][] = [
      ['src/sync/pull/x.ts', "import { SNOMED_SYNC_SPEC } from '../../snomed/snomed.sync-spec';\nexport const x = SNOMED_SYNC_SPEC;\n"],
      ['src/sync/x.ts', "import { RecordingFileIndex } from '../recordings/recording-file-index';\nexport const x = RecordingFileIndex;\n"],
      ['src/node-trust/x.ts', "import { SyncLock } from '../sync/pull/sync-lock';\nexport const x = SyncLock;\n"],
      ['src/core/x.ts', "import { CrudEngine } from '../crud/crud-engine';\nexport const x = CrudEngine;\n"],
      ['src/crud/x.ts', "import { SnomedModule } from '../snomed/snomed.module';\nexport const x = SnomedModule;\n"],
      ['src/snomed/x.ts', "import { RecordingFileIndex } from '../recordings/recording-file-index';\nexport const x = RecordingFileIndex;\n"],
    ];
    const allowed: [string, string][] = [
      ['src/snomed/x.ts', "import { SyncModule } from '../sync/sync.module';\nimport { SessionRecord } from '../recordings/entities/record.entity';\nexport const x = [SyncModule, SessionRecord];\n"],
      ['src/sync/x.ts', "import { NodeRegistryService } from '../nodes/node-registry.service';\nexport const x = NodeRegistryService;\n"],
    ];
    expect(boundaryErrors([...refused, ...allowed])).toEqual([...refused.map(() => 1), ...allowed.map(() => 0)]);
  });
});
