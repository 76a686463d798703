import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRuntimeFlags } from '../../../src/config/runtime-flags';
import { DemoNode } from '../../../src/demo/demo-node';

describe('the demo starts its nodes as npm start does (src/demo/demo-node.ts)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'prism-demo-node-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with the V8 flags of src/config/runtime-flags.ts (a node without them warns in its log)', async () => {
    const dataDir = join(dir, 'demo-x');
    mkdirSync(dataDir, { recursive: true });
    // Stands in for dist/src/main.js: records the node flags it was started with, then fails to start.
    const entry = join(dir, 'main.js');
    writeFileSync(entry, "require('node:fs').writeFileSync(require('node:path').join(process.env.DATA_DIR, 'argv.json'), JSON.stringify(process.execArgv));\nprocess.exit(3);\n");
    const node = await DemoNode.create({ nodeId: 'demo-x', nodeName: 'Demo X', dataDir });
    await expect(node.start(entry, 30_000)).rejects.toThrow('exited with code 3');
    const execArgv = JSON.parse(readFileSync(join(dataDir, 'argv.json'), 'utf8')) as string[];
    expect(missingRuntimeFlags(execArgv, '')).toEqual([]);
  });
});
