import { EXIT } from '../../../src/cli/command';
import { UserRole } from '../../../src/core/auth/access';
import { buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { createUserAndLogin, TestUser } from '../../support/users';
import { cli } from './cli-support';

describe('prism-node operator commands against running nodes', () => {
  let pair: NodePair;
  let admin: TestUser;
  let as: string[];

  beforeAll(async () => {
    pair = await startPair();
    await buildDatasetOverHttp(pair.b, pair.adminB);
    admin = await createUserAndLogin(pair.a, UserRole.Admin);
    as = ['--url', pair.a.url, '--login', admin.login, '--password', admin.password];
  });
  afterAll(() => pair?.close());

  it('prints --help for every command and exits 0', async () => {
    for (const name of ['migrate', 'peer:add', 'peer:approve', 'peer:revoke', 'peer:list', 'sync:preview', 'sync:pull', 'sync:log', 'sync:schedule', 'sync:status', 'sync:push', 'sync:accept-push', 'conflicts:list', 'conflicts:restore', 'verify']) {
      const run = await cli([name, '--help']);
      expect({ name, code: run.code, usage: run.stdout.includes(`Usage: prism-node ${name}`) }).toEqual({ name, code: EXIT.ok, usage: true });
    }
  });

  it('lists peers as JSON, with a token instead of a login', async () => {
    const run = await cli(['peer:list', '--url', pair.a.url, '--token', pair.adminA, '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.json<{ id: string; status: number }[]>().find((n) => n.id === pair.peerOnA)?.status).toBe(1);
  });

  it('exits with usage, failure and unreachable codes as documented', async () => {
    expect((await cli(['peer:list', '--url', pair.a.url])).code).toBe(EXIT.usage);
    expect((await cli(['sync:preview', ...as])).code).toBe(EXIT.usage);
    const wrong = await cli(['peer:list', '--url', pair.a.url, '--login', admin.login, '--password', 'wrong-password', '--json']);
    expect({ code: wrong.code, error: JSON.parse(wrong.stderr) }).toEqual({
      code: EXIT.failure,
      error: { error: 'ERR_INVALID_CREDENTIALS', status: 401, message: expect.any(String), hint: expect.stringContaining('--password') },
    });
    const unreachable = await cli(['peer:list', '--url', 'http://127.0.0.1:1', '--token', 'x']);
    expect({ code: unreachable.code, stderr: unreachable.stderr }).toEqual({ code: EXIT.unreachable, stderr: expect.stringMatching(/^error: cannot reach the node at .*\n {2}what to do: is the node running\?/) });
    const notPending = await cli(['peer:approve', pair.peerOnA, ...as]);
    expect({ code: notPending.code, stderr: notPending.stderr }).toEqual({ code: EXIT.failure, stderr: expect.stringContaining('ERR_INVALID_STATUS_TRANSITION') });
    const unknownPeer = await cli(['sync:preview', '00000000-0000-4000-8000-000000000000', ...as]);
    expect({ code: unknownPeer.code, stderr: unknownPeer.stderr }).toEqual({ code: EXIT.failure, stderr: expect.stringContaining('what to do: check the id: `prism-node peer:list`') });
  });

  it('previews, showing rows and bytes per aggregate', async () => {
    const run = await cli(['sync:preview', pair.peerOnA, ...as]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/volunteers\s+\d+/);
    expect(run.stdout).toContain('recording files: 1');
    expect(run.stdout).toContain('A pull would apply');
  });

  it('Ctrl-C during sync:pull cancels the job on the node and applies nothing', async () => {
    let interrupted = false;
    const run = await cli(['sync:pull', pair.peerOnA, ...as], (text) => {
      if (!interrupted && text.includes('%')) {
        interrupted = true;
        process.emit('SIGINT');
      }
    });
    expect({ code: run.code, interrupted }).toEqual({ code: EXIT.cancelled, interrupted: true });
    expect(run.stdout).toContain('ERR_SYNC_CANCELLED');
    expect((await verify(pair.a, pair.adminA)).aggregates.volunteers.rows).toBe(0);
  });

  it('pulls with a progress bar and prints the summary; the nodes then verify equal', async () => {
    const run = await cli(['sync:pull', pair.peerOnA, ...as]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/\[#+\]\s+100% done/);
    expect(run.stdout).toMatch(/completed/);
    expect(run.stdout).toMatch(/sessions\s+\d+\s+\d+/);
    const digest = (await verify(pair.b, pair.adminB)).digest;
    expect((await cli(['verify', ...as, '--expect', digest])).code).toBe(EXIT.ok);
    expect((await cli(['verify', ...as, '--expect', 'different'])).code).toBe(EXIT.failure);
  });

  it('pulls with --json for scripts', async () => {
    const run = await cli(['sync:pull', pair.peerOnA, ...as, '--json']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.json<{ progress: { state: string }; summary: { totals: { received: number } } }>()).toMatchObject({ progress: { state: 'completed' }, summary: { totals: { received: 0 } } });
  });

  it('shows the history and the (empty) conflicts', async () => {
    const log = await cli(['sync:log', '--peer', pair.peerOnA, ...as, '--json']);
    expect(log.json<{ data: { kind: string; status: string }[] }>().data.map((e) => `${e.kind}:${e.status}`)).toEqual(['pull:completed', 'pull:completed', 'pull:cancelled', 'preview:completed']);
    const conflicts = await cli(['conflicts:list', ...as]);
    expect({ code: conflicts.code, out: conflicts.stdout }).toEqual({ code: EXIT.ok, out: 'no conflicts' });
    const firstPage = await cli(['sync:log', '--page-size', '2', ...as]);
    expect({ code: firstPage.code, footer: firstPage.stdout.split('\n').pop() }).toEqual({ code: EXIT.ok, footer: 'page 1/2 (4 syncs)' });
    const badPage = await cli(['sync:log', '--page', 'two', ...as]);
    expect({ code: badPage.code, stderr: badPage.stderr }).toEqual({ code: EXIT.usage, stderr: expect.stringContaining('--page must be a positive integer') });
  });

  it('sets, shows and turns off a schedule; refuses a bad interval with the usage code', async () => {
    const set = await cli(['sync:schedule', pair.peerOnA, '--every', '3600', ...as]);
    expect({ code: set.code, out: set.stdout }).toEqual({ code: EXIT.ok, out: expect.stringMatching(/pulls every 3600 s, next /) });
    const status = await cli(['sync:status', ...as, '--json']);
    expect(status.json<{ remoteNodeId: string; state: string; intervalSeconds: number }[]>().find((s) => s.remoteNodeId === pair.peerOnA)).toMatchObject({
      intervalSeconds: 3600,
    });
    expect((await cli(['sync:status', ...as])).stdout).toMatch(/state[\s\S]*behind[\s\S]*3600 s[\s\S]*up to date as of /);
    expect((await cli(['sync:schedule', pair.peerOnA, '--every', 'often', ...as])).code).toBe(EXIT.usage);
    expect((await cli(['sync:schedule', pair.peerOnA, ...as])).code).toBe(EXIT.usage);
    const off = await cli(['sync:schedule', pair.peerOnA, '--off', ...as]);
    expect({ code: off.code, out: off.stdout }).toEqual({ code: EXIT.ok, out: expect.stringMatching(/schedule off/) });
  });

  it('approves, and revokes a node registered with this node', async () => {
    const bAdmin = await createUserAndLogin(pair.b, UserRole.Admin);
    const onB = ['--url', pair.b.url, '--login', bAdmin.login, '--password', bAdmin.password];
    const list = await cli(['peer:list', ...onB]);
    expect(list.stdout).toContain(pair.requesterOnB);
    expect(list.stdout).toMatch(/Authorized\s+ReadWrite/);
    const revoked = await cli(['peer:revoke', pair.requesterOnB, ...onB, '--json']);
    expect({ code: revoked.code, status: revoked.json<{ status: number }>().status }).toEqual({ code: EXIT.ok, status: 3 });
    const refused = await cli(['sync:pull', pair.peerOnA, ...as, '--json']);
    expect(refused.code).toBe(EXIT.failure);
  });
});
