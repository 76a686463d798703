import { Client } from 'pg';
import { EXIT } from '../../../src/cli/command';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { NodePair, startPair } from '../../support/two-nodes';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';
import { cli } from './cli-support';

describe('prism-node setup commands', () => {
  let db: TestDatabase;
  const saved = { DATABASE_URL: process.env.DATABASE_URL, ENV_FILE: process.env.ENV_FILE };

  beforeAll(async () => {
    db = await createTestDatabase('cli_migrate', { empty: true });
    process.env.DATABASE_URL = db.url;
    process.env.ENV_FILE = '/nonexistent/.env';
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await db?.drop();
  });

  it('migrate applies every migration to an empty database without a running node, then finds nothing to do', async () => {
    const first = await cli(['migrate', '--json']);
    expect(first.code).toBe(EXIT.ok);
    expect(first.json<{ applied: string[] }>().applied.length).toBeGreaterThan(0);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT to_regclass('public.sync_logs') AS t`);
      expect(rows[0].t).toBe('sync_logs');
    } finally {
      await client.end();
    }
    const second = await cli(['migrate']);
    expect({ code: second.code, out: second.stdout }).toEqual({ code: EXIT.ok, out: expect.stringContaining('is up to date') });
  });

  it('peer:add adds an authorized ReadWrite connection; a known certificate is a conflict', async () => {
    let pair: NodePair | undefined;
    try {
      pair = await startPair();
      const as = ['--url', pair.a.url, '--token', pair.adminA];
      const peers = (await cli(['peer:list', ...as, '--json'])).json<{ id: string; certificate: string; nodeUrl: string }[]>();
      const b = peers.find((p) => p.id === pair!.peerOnA)!;
      const duplicate = await cli(['peer:add', ...as, '--name', 'B again', '--peer-url', b.nodeUrl, '--certificate', b.certificate]);
      expect(duplicate.code).toBe(EXIT.conflict);
      const other = generateSelfSignedIdentity('node-c');
      const added = await cli(['peer:add', ...as, '--name', 'Node C', '--peer-url', 'http://127.0.0.1:9', '--certificate', other.certificateDer, '--json']);
      expect(added.stderr).toBe('');
      expect({ code: added.code, ...added.json<object>() }).toMatchObject({ code: EXIT.ok, nodeName: 'Node C', status: 1, nodeAccessLevel: 1, nodeUrl: 'http://127.0.0.1:9' });
      expect((await cli(['peer:add', ...as, '--name', 'B', '--peer-url', b.nodeUrl])).code).toBe(EXIT.usage);
    } finally {
      await pair?.close();
    }
  });
});
