import request from 'supertest';
import { NodeAccessLevel } from '../../src/core/auth/access';
import { NodeShape, startTestNode, TestNode } from './test-node';
import { bearer, loginAsAdmin } from './users';

export interface NodePair {
  /** The requester (pulls). */
  a: TestNode;
  /** The source. */
  b: TestNode;
  adminA: string;
  adminB: string;
  /** B's id in A's registry (remoteNodeId of A's pulls). */
  peerOnA: string;
  /** A's id in B's registry. */
  requesterOnB: string;
  close(): Promise<void>;
}

/**
 * Introduces `from` to `to` the way operators do, over HTTP: `from`'s admin connects to `to`
 * (which registers `from` there over the handshake, asking for `level`, and records `to` as a
 * connection), then `to`'s admin approves the registration with that level.
 */
export async function introduce(from: TestNode, fromAdmin: string, to: TestNode, toAdmin: string, level = NodeAccessLevel.ReadWrite) {
  const connected = await request(from.url).post('/api/node/connect').set(bearer(fromAdmin)).send({ nodeUrl: to.url, requestedNodeAccessLevel: level });
  if (connected.status !== 201) throw new Error(`connect failed: ${connected.status} ${JSON.stringify(connected.body)}`);
  const registeredId = String(connected.body.registration.registrationId);
  if (connected.body.registration.status === 2) {
    const approved = await request(to.url).post(`/api/node/${registeredId}/approve`).set(bearer(toAdmin)).send({ nodeAccessLevel: level });
    if (approved.status !== 200) throw new Error(`approve failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  }
  return { registeredId, connectionId: String(connected.body.connectionId) };
}

/** Two in-process nodes on their own databases, A introduced to B with ReadWrite. */
export async function startPair(env: Record<string, string> = {}, shape: NodeShape = {}): Promise<NodePair> {
  const a = await startTestNode({ NODE_ID: 'node-a', NODE_NAME: 'Node A', ...env }, shape);
  const b = await startTestNode({ NODE_ID: 'node-b', NODE_NAME: 'Node B', ...env }, shape);
  const [adminA, adminB] = await Promise.all([loginAsAdmin(a), loginAsAdmin(b)]);
  const { registeredId, connectionId } = await introduce(a, adminA, b, adminB);
  return {
    a,
    b,
    adminA,
    adminB,
    peerOnA: connectionId,
    requesterOnB: registeredId,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

/** A synchronous pull by `node` from its peer `remoteNodeId` (the raw response). */
export function pullFrom(node: TestNode, token: string, remoteNodeId: string) {
  return request(node.url).post('/api/sync/pull').set(bearer(token)).send({ remoteNodeId });
}

/** The body of a pull that must succeed; throws with its status and body otherwise. */
export async function pullOk(res: Promise<request.Response>) {
  const r = await res;
  if (r.status !== 200) throw new Error(`pull failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The conflicts `node` archived for one snomed_laterality code. */
export async function lateralityConflicts(node: TestNode, token: string, code: string) {
  const res = await request(node.url).get('/api/sync/conflicts').set(bearer(token)).query({ table: 'snomed_laterality' });
  return res.body.data.filter((c: { key: { code: string } }) => c.key.code === code);
}

/** A pull that must succeed into A (from B) or into B (from A, through A's registration there); its body. */
export function pullInto(pair: NodePair, into: 'a' | 'b') {
  return into === 'a' ? pullOk(pullFrom(pair.a, pair.adminA, pair.peerOnA)) : pullOk(pullFrom(pair.b, pair.adminB, pair.requesterOnB));
}

/** Runs a reference-style synchronous pull from B into A. */
export async function pull(pair: NodePair) {
  return request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
}

export async function verify(node: TestNode, token: string) {
  const res = await request(node.url).get('/api/sync/verify').set(bearer(token));
  if (res.status !== 200) throw new Error(`verify failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { digest: string; aggregates: Record<string, { rows: number; digest: string; tables: { table: string; rows: number; digest: string }[] }>; files: { referenced: number; missing: string[] } };
}
