import { createPrivateKey, randomBytes } from 'node:crypto';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { NodeChannelClient, ClientIdentity } from '../../../src/node-trust/client/node-channel-client';
import { parseCertificate, signData } from '../../../src/node-trust/crypto/certificates';
import { IDENTITY_FILES } from '../../../src/node-trust/identity/local-identity';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { FaultProxy } from './fault-proxy';
import { call, login } from './http';
import { NodeProcess } from './node-process';

/**
 * How the suite drives one node, whatever runs it: an OS process (`NodeProcess`) or a container of
 * docker/compose.yml (`ComposeNode`). DATA_DIR paths are relative to the node's DATA_DIR.
 */
export interface NodeRuntime {
  readonly options: { nodeId: string; nodeName: string };
  readonly running: boolean;
  start(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  ensureRunning(): Promise<void>;
  close(): Promise<void>;
  cli(args: string[]): Promise<string>;
  readDataFile(path: string): Promise<Buffer>;
  /** Entries of a DATA_DIR folder, [] when it does not exist. */
  listDataDir(path: string): Promise<string[]>;
  /** SHA-256 over a DATA_DIR folder's files (paths + bytes) but those `skip` names, comparable between two calls on one node. */
  hashDataDir(path: string, skip?: (name: string) => boolean): Promise<string>;
}

/** A running node the suite talks to over HTTP only. */
export interface E2ENode {
  proc: NodeRuntime;
  /** The node's database, reachable from this machine (seeding, locks, inspection). */
  db: Pick<TestDatabase, 'url' | 'drop'>;
  url: string;
  /** Bearer token of an Admin created with the CLI and logged in over HTTP. */
  admin: string;
  adminLogin: { login: string; password: string };
}

export interface ProcessPair {
  /** Requester. */
  a: E2ENode;
  /** Source. */
  b: E2ENode;
  /** Between A and B: B's connection URL on A is the proxy's. */
  proxy: FaultProxy;
  /** B's id in A's registry. */
  peerOnA: string;
  close(): Promise<void>;
}

/** The node's identity as a protocol client (files it generated in DATA_DIR/identity). */
export async function identityOf(proc: NodeRuntime): Promise<ClientIdentity & { certificateDer: string }> {
  const certificate = parseCertificate((await proc.readDataFile(`identity/${IDENTITY_FILES.certificate}`)).toString('utf8'));
  const key = createPrivateKey(await proc.readDataFile(`identity/${IDENTITY_FILES.privateKey}`));
  return {
    nodeId: proc.options.nodeId,
    nodeName: proc.options.nodeName,
    certificateDer: certificate.raw.toString('base64'),
    sign: (data: string) => signData(key, data),
  };
}

export async function startNodeProcess(nodeId: string, nodeName: string, env: Record<string, string>): Promise<E2ENode> {
  const db = await createTestDatabase(nodeId);
  const proc = await NodeProcess.create({ nodeId, nodeName, databaseUrl: db.url, env });
  const adminLogin = { login: `admin-${nodeId}`, password: `pw-${randomBytes(9).toString('hex')}` };
  await proc.cli(['user:create', '--login', adminLogin.login, '--password', adminLogin.password, '--role', 'Admin']);
  await proc.start();
  return { proc, db, url: proc.url, admin: await login(proc.url, adminLogin.login, adminLogin.password), adminLogin };
}

/** Logs the admin in again (after a restart the JWT secret is the same, but be explicit). */
export async function relogin(node: E2ENode): Promise<void> {
  node.admin = await login(node.url, node.adminLogin.login, node.adminLogin.password);
}

/**
 * Introduces `from` to `to` as operators do: `from` registers at `to` over the handshake (phase 1 +
 * register, signed with `from`'s identity), `to`'s admin approves it with `level`, and `from`'s admin
 * adds `to` as a connection at `connectionUrl` (the fault proxy, for A → B).
 */
export async function introduceProcesses(from: E2ENode, to: E2ENode, connectionUrl: string, level = NodeAccessLevel.ReadWrite): Promise<string> {
  const client = new NodeChannelClient({ url: to.url }, await identityOf(from.proc));
  await client.openChannel();
  const registration = await client.register({ requestedNodeAccessLevel: level, nodeUrl: from.url });
  const approved = await call(to.url, 'POST', `/api/node/${String(registration.registrationId)}/approve`, { token: to.admin, body: { nodeAccessLevel: level } });
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  const target = await identityOf(to.proc);
  const added = await call(from.url, 'POST', '/api/node/NewConnection', {
    token: from.admin,
    body: { nodeName: to.proc.options.nodeName, nodeUrl: connectionUrl, certificate: target.certificateDer, status: 1, nodeAccessLevel: level },
  });
  if (added.status !== 201) throw new Error(`NewConnection failed: ${added.status} ${JSON.stringify(added.body)}`);
  return String(added.body.id);
}

/** Settings of both nodes: no throttling in the way of hundreds of pulls, small pages, short timeouts. */
export const E2E_NODE_ENV: Record<string, string> = {
  THROTTLE_STANDARD_PER_MINUTE: '1000000',
  THROTTLE_SYNC_PER_MINUTE: '1000000',
};

/** Two node processes, A introduced to B through a fault proxy. */
export async function startProcessPair(envA: Record<string, string> = {}, envB: Record<string, string> = {}): Promise<ProcessPair> {
  const [a, b] = await Promise.all([
    startNodeProcess('node-a', 'Node A', { ...E2E_NODE_ENV, ...envA }),
    startNodeProcess('node-b', 'Node B', { ...E2E_NODE_ENV, ...envB }),
  ]);
  const proxy = new FaultProxy(b.url);
  await proxy.start();
  const peerOnA = await introduceProcesses(a, b, proxy.url);
  return {
    a,
    b,
    proxy,
    peerOnA,
    close: async () => {
      await proxy.close();
      await Promise.all([a.proc.close(), b.proc.close()]);
      await Promise.all([a.db.drop(), b.db.drop()]);
    },
  };
}
