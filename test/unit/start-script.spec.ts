import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * `npm start` runs its script with `sh -c`, and on SIGTERM (systemd, a process manager, `kill`)
 * npm passes the signal to that shell only. A shell that waits on `node` as its child dies of it
 * and leaves the node running, orphaned with its embedded PostgreSQL, while npm exits 143: the
 * script must `exec` node so the signal reaches the node, which stops in order and exits 0.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start hands its signals to the node (package.json)', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  let dir: string;
  let fixture: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prism-start-script-'));
    fixture = join(dir, 'main.js');
    writeFileSync(fixture, "process.on('SIGTERM', () => { process.stdout.write('stopped in order\\n'); process.exit(0); });\nprocess.stdout.write(`up ${process.pid}\\n`);\nsetInterval(() => undefined, 1000);\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['start', 'start:dev'])('%s: SIGTERM to the shell npm runs reaches the node, which exits 0', async (name) => {
    // The node's command of the script (start:dev builds first: only its last step starts the node).
    const command = scripts[name].split('&&').at(-1)!.trim().replace('dist/src/main.js', JSON.stringify(fixture));
    const shell = spawn('/bin/sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    shell.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => shell.once('exit', (code, signal) => done({ code, signal })));
    const deadline = Date.now() + 30_000;
    while (!/^up \d+\n/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const nodePid = Number(/^up (\d+)/.exec(out)?.[1]);
    shell.kill('SIGTERM');
    const timer = setTimeout(() => shell.kill('SIGKILL'), 10_000);
    const result = await ended;
    clearTimeout(timer);
    await new Promise((r) => setTimeout(r, 500));
    const orphaned = isRunning(nodePid);
    if (orphaned) process.kill(nodePid, 'SIGKILL');
    expect({ result, out: out.replace(/^up \d+/, 'up'), orphaned }).toEqual({ result: { code: 0, signal: null }, out: 'up\nstopped in order\n', orphaned: false });
  });
});
