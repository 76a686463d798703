import { Client } from 'pg';
import { EXIT } from '../../../src/cli/command';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { startTestNode, TestNode } from '../../support/test-node';
import { NodePair, startPair } from '../../support/two-nodes';
import { loginAsAdmin } from '../../support/users';
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

  it('peer:add introduces a node to a peer, peer:approve authorizes it there, then it pulls', async () => {
    let pair: NodePair | undefined;
    let c: TestNode | undefined;
    try {
      pair = await startPair();
      c = await startTestNode({ NODE_ID: 'node-c', NODE_NAME: 'Node C' });
      const onC = ['--url', c.url, '--token', await loginAsAdmin(c)];
      const onB = ['--url', pair.b.url, '--token', pair.adminB];
      const added = await cli(['peer:add', ...onC, '--peer-url', pair.b.url, '--json']);
      expect({ code: added.code, stderr: added.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
      const { connectionId, registration } = added.json<{ connectionId: string; registration: { registrationId: string } }>();
      expect((await cli(['sync:pull', connectionId, ...onC, '--json'])).code).toBe(EXIT.failure);
      const approved = await cli(['peer:approve', String(registration.registrationId), ...onB, '--level', 'ReadWrite', '--json']);
      expect({ code: approved.code, ...approved.json<object>() }).toMatchObject({ code: EXIT.ok, status: 1, nodeAccessLevel: 1 });
      const pulled = await cli(['sync:pull', connectionId, ...onC, '--json']);
      expect({ code: pulled.code, state: pulled.json<{ progress: { state: string } }>().progress.state }).toEqual({ code: EXIT.ok, state: 'completed' });
    } finally {
      await c?.close();
      await pair?.close();
    }
  });

  it('peer:add --certificate records a known peer; a certificate already registered is a conflict', async () => {
    let pair: NodePair | undefined;
    try {
      pair = await startPair();
      const as = ['--url', pair.a.url, '--token', pair.adminA];
      const peers = (await cli(['peer:list', ...as, '--json'])).json<{ id: string; certificate: string; nodeUrl: string }[]>();
      const b = peers.find((p) => p.id === pair!.peerOnA)!;
      const duplicate = await cli(['peer:add', ...as, '--name', 'B again', '--peer-url', b.nodeUrl, '--certificate', b.certificate]);
      expect(duplicate.code).toBe(EXIT.conflict);
      const other = generateSelfSignedIdentity('node-d');
      const added = await cli(['peer:add', ...as, '--name', 'Node D', '--peer-url', 'http://127.0.0.1:9', '--certificate', other.certificateDer, '--json']);
      expect(added.stderr).toBe('');
      expect({ code: added.code, ...added.json<object>() }).toMatchObject({ code: EXIT.ok, nodeName: 'Node D', status: 1, nodeAccessLevel: 1, nodeUrl: 'http://127.0.0.1:9' });
      expect((await cli(['peer:add', ...as, '--peer-url', 'http://127.0.0.1:9', '--certificate', other.certificateDer])).code).toBe(EXIT.usage);
    } finally {
      await pair?.close();
    }
  });
});
