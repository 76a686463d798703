import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { runCli } from '../../../src/cli/main';
import { EXIT } from '../../../src/cli/command';
import { verifyPassword } from '../../../src/users/password-hasher';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** `prism-node user:create` against an EMPTY database: it must migrate it first, without a node. */
describe('prism-node user:create', () => {
  let db: TestDatabase;
  let dataDir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    db = await createTestDatabase('cli', { empty: true });
    dataDir = mkdtempSync(join(tmpdir(), 'prism-cli-'));
    Object.assign(process.env, { DATABASE_URL: db.url, DATA_DIR: dataDir, ENV_FILE: join(dataDir, 'none.env'), NODE_ID: 'cli-node' });
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    process.env = saved;
    jest.restoreAllMocks();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function userRow(login: string): Promise<{ role: string; password_hash: string } | undefined> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query('SELECT role, password_hash FROM users WHERE login = $1', [login])).rows[0];
    } finally {
      await client.end();
    }
  }

  it('migrates the database and creates the user with a scrypt hash', async () => {
    expect(await runCli(['user:create', '--login', 'ops', '--password', 'ops-password-1', '--role', 'admin'])).toBe(EXIT.ok);
    const row = await userRow('ops');
    expect(row?.role).toBe('Admin');
    expect(row?.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('ops-password-1', row!.password_hash)).toBe(true);
    expect(await verifyPassword('wrong', row!.password_hash)).toBe(false);
  });

  it('reads the password from stdin', async () => {
    const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from('stdin-password\n')]), configurable: true });
    try {
      expect(await runCli(['user:create', '--login', 'reader', '--password-stdin'])).toBe(EXIT.ok);
    } finally {
      Object.defineProperty(process, 'stdin', stdin);
    }
    const row = await userRow('reader');
    expect(row?.role).toBe('Researcher');
    expect(await verifyPassword('stdin-password', row!.password_hash)).toBe(true);
  });

  it('exits with clear codes: taken login 4, bad usage 2', async () => {
    expect(await runCli(['user:create', '--login', 'ops', '--password', 'another-password'])).toBe(EXIT.conflict);
    expect(await runCli(['user:create', '--login', 'x', '--password', 'long-enough', '--role', 'Boss'])).toBe(EXIT.usage);
    expect(await runCli(['user:create', '--login', 'x'])).toBe(EXIT.usage);
    expect(await runCli(['user:create', '--login', 'x', '--password', 'short'])).toBe(EXIT.usage);
    expect(await runCli(['user:create', '--password', 'long-enough'])).toBe(EXIT.usage);
    expect(await userRow('x')).toBeUndefined();
  });
});
