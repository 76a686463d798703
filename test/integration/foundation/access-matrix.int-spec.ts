import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AccessRule, NodeAccessLevel, UserRole } from '../../../src/core/auth/access';
import { levelFromWire } from '../../../src/nodes/node-wire';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { decryptJson, encryptJson, isEnvelope } from '../../../src/node-trust/crypto/channel-crypto';
import { authorizedClient, makeClientIdentity } from '../node-trust/trust-helpers';
import { listRouteAccess } from '../../support/route-access';
import { startTestNode, TestNode } from '../../support/test-node';
import { createUserAndLogin } from '../../support/users';
import { buildDatasetOverHttp } from '../../support/dataset';

/**
 * Least privilege (docs/security.md): every operation of the OpenAPI document, called by every
 * kind of caller, answers as the access rule the route declares. A node session reaches only the
 * export and session routes; every other route needs a user token of the right role, also over a
 * channel, where the node session is verified as well.
 */

/** Who calls: a user token (plain HTTP, or over a channel with `node`), a node session, or both. */
interface Caller {
  name: string;
  user?: UserRole;
  /** A node session of this level; 'forged' = a live channel with a made-up session token. */
  node?: NodeAccessLevel | 'forged';
}

const CALLERS: Caller[] = [
  { name: 'anonymous' },
  { name: 'Admin user', user: UserRole.Admin },
  { name: 'Researcher user', user: UserRole.Researcher },
  { name: 'ReadOnly node session', node: NodeAccessLevel.ReadOnly },
  { name: 'ReadWrite node session', node: NodeAccessLevel.ReadWrite },
  { name: 'Admin node session', node: NodeAccessLevel.Admin },
  { name: 'Researcher user over channel + ReadOnly session (IRIS)', user: UserRole.Researcher, node: NodeAccessLevel.ReadOnly },
  { name: 'Admin user over channel + made-up session', user: UserRole.Admin, node: 'forged' },
];

/** The codes by which the AccessGuard refuses a caller; an admitted caller never gets one. */
const REFUSALS = new Set([
  'ERR_ACCESS_NOT_DECLARED',
  'ERR_MISSING_CHANNEL_ID',
  'ERR_INVALID_CHANNEL',
  'ERR_NO_SESSION_TOKEN',
  'ERR_EMPTY_TOKEN',
  'ERR_INVALID_SESSION',
  'ERR_INSUFFICIENT_PERMISSIONS',
  'ERR_NO_TOKEN',
  'ERR_INVALID_TOKEN',
  'ERR_FORBIDDEN_ROLE',
]);

const ADMITTED = 'admitted';

/** What the declared rule promises this caller: admitted, or the refusal code. */
function declaredOutcome(rule: AccessRule, caller: Caller): string {
  const session = caller.node;
  const sessionRefusal = (capability: NodeAccessLevel) =>
    session === 'forged' ? 'ERR_INVALID_SESSION' : session! >= capability ? undefined : 'ERR_INSUFFICIENT_PERMISSIONS';
  switch (rule.kind) {
    case 'public':
      return ADMITTED;
    case 'publicOrNode':
      return session === undefined ? ADMITTED : (sessionRefusal(rule.capability) ?? ADMITTED);
    case 'channel':
      return session === undefined ? 'ERR_MISSING_CHANNEL_ID' : ADMITTED;
    case 'node':
      return session === undefined ? 'ERR_MISSING_CHANNEL_ID' : (sessionRefusal(rule.capability) ?? ADMITTED);
    case 'user': {
      const viaChannel = session === undefined ? undefined : sessionRefusal(NodeAccessLevel.ReadOnly);
      if (viaChannel) return viaChannel;
      if (!caller.user) return 'ERR_NO_TOKEN';
      return rule.roles.length === 0 || rule.roles.includes(caller.user) ? ADMITTED : 'ERR_FORBIDDEN_ROLE';
    }
  }
}

describe('least privilege: every route of the OpenAPI document × every kind of caller', () => {
  let node: TestNode;
  const tokens = new Map<UserRole, string>();
  /** Each caller with a node session has its own (a revoke by one must not end another's). */
  const sessions = new Map<Caller, NodeChannelClient>();

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'access-matrix', THROTTLE_STANDARD_PER_MINUTE: '1000000', THROTTLE_USER_PER_MINUTE: '1000000' });
    for (const role of [UserRole.Admin, UserRole.Researcher]) tokens.set(role, (await createUserAndLogin(node, role)).token);
    for (const [i, caller] of CALLERS.entries()) {
      if (caller.node === undefined) continue;
      const level = levelFromWire(caller.node === 'forged' ? NodeAccessLevel.ReadOnly : caller.node)!;
      sessions.set(caller, (await authorizedClient(node, level, makeClientIdentity(`matrix-${i}`))).client);
    }
  });
  afterAll(() => node?.close());

  async function call(method: string, path: string, caller: Caller): Promise<{ status: number; code?: string; text: string }> {
    let req = request(node.url)[method.toLowerCase() as 'get'](path).timeout(15_000);
    if (caller.user) req = req.set('Authorization', `Bearer ${tokens.get(caller.user)}`);
    const client = sessions.get(caller);
    const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
    if (client) {
      req = req.set('X-Channel-Id', client.channelId!).set('X-Session-Id', caller.node === 'forged' ? randomUUID() : client.sessionToken!);
      if (withBody) req = req.send(encryptJson(client.channelKey, {}));
    } else if (withBody) {
      req = req.send({});
    }
    // Event streams of an admitted caller would stay open: the head of the answer is enough.
    const res = await req.buffer(!path.endsWith('/events')).catch((error: { status?: number; response?: { status: number } }) => {
      if (error.response) return error.response as request.Response;
      throw error;
    });
    let body = res.body as Record<string, unknown> | undefined;
    if (client && isEnvelope(body)) body = decryptJson(client.channelKey, body);
    const detail = body?.errorDetail as { code?: string } | undefined;
    return { status: res.status, code: (body?.error as string | undefined) ?? detail?.code, text: JSON.stringify(body ?? res.text ?? '') };
  }

  async function documentedOperations(): Promise<{ method: string; path: string }[]> {
    const doc = (await request(node.url).get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    return (
      Object.entries(doc.paths)
        .flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })))
        // Revoking ends the callers' sessions: last.
        .sort((x, y) => Number(x.path === '/api/session/revoke') - Number(y.path === '/api/session/revoke'))
    );
  }

  it('answers each caller of each operation as the route declares', async () => {
    const rules = new Map(listRouteAccess(node.app).map((r) => [r.route, r.rule]));
    const operations = await documentedOperations();
    expect(operations.length).toBeGreaterThan(100);

    const mismatches: string[] = [];
    for (const { method, path } of operations) {
      const route = `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
      const rule = rules.get(route);
      if (!rule) {
        mismatches.push(`${route}: documented, but no route declares an access rule`);
        continue;
      }
      const concrete = path.replace(/\{\w+\}/g, () => randomUUID());
      await Promise.all(
        CALLERS.map(async (caller) => {
          const expected = declaredOutcome(rule, caller);
          const { status, code } = await call(method, concrete, caller);
          // An admitted caller may still meet the handler's own refusal (a 403 ERR_PUSH_NOT_ALLOWED), never the guard's.
          const admitted = status < 500 && status !== 429 && !REFUSALS.has(code ?? '');
          const ok = expected === ADMITTED ? admitted : code === expected && [400, 401, 403].includes(status);
          if (!ok) mismatches.push(`${route} as ${caller.name}: expected ${expected}, got ${status} ${code ?? ''}`);
        }),
      );
    }
    expect(mismatches).toEqual([]);
  });

  it('gives a ReadOnly peer no clinical data from any route, with the real ids in the path', async () => {
    const { rows, file } = await buildDatasetOverHttp(node, tokens.get(UserRole.Admin)!);
    // Every text value the dataset holds (unique per row; not UUIDs, which a 404 may echo, nor this
    // node's public name, which rows carry as their origin).
    const values = [...rows.values()].flat().flatMap((row) => Object.values(row));
    const secrets = values.filter((v): v is string => typeof v === 'string' && v.length >= 10 && v !== node.config.node.nodeId && !/^[0-9a-f-]{36}$/i.test(v) && !/^\d{4}-\d\d-\d\d/.test(v));
    secrets.push(file.content.toString('base64').slice(0, 40), 'timestamp,value');
    expect(secrets.length).toBeGreaterThan(20);
    const ids = new Map<string, string>();
    for (const row of [...rows.values()].flat()) for (const [k, v] of Object.entries(row)) if (typeof v === 'string') ids.set(k, ids.get(k) ?? v);
    ids.set('recordChannelId', file.recordChannelId);
    // The detector works: a user of this node reads the data.
    const control = await call('GET', '/api/volunteers', CALLERS.find((c) => c.user === UserRole.Admin && c.node === undefined)!);
    expect(secrets.some((secret) => control.text.includes(secret))).toBe(true);
    const readOnly = CALLERS.find((c) => c.node === NodeAccessLevel.ReadOnly && !c.user)!;
    const leaks: string[] = [];
    for (const { method, path } of await documentedOperations()) {
      if (path === '/api/session/revoke') continue;
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => ids.get(name) ?? randomUUID());
      const { status, text } = await call(method, concrete, readOnly);
      const leaked = secrets.filter((secret) => text.includes(secret));
      if (leaked.length) leaks.push(`${method} ${concrete} (${status}): ${leaked.slice(0, 3).join(', ')}`);
    }
    expect(leaks).toEqual([]);
  });
});
