import { createPrivateKey } from 'node:crypto';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { levelFromWire } from '../../../src/nodes/node-wire';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { signData } from '../../../src/node-trust/crypto/certificates';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';
import type { ProbeNode } from './probe-node';
import type { TestNode } from '../../support/test-node';

/** A client that speaks for `from` (its LocalIdentity) to `to`. */
export function clientOf(from: TestNode, to: TestNode): NodeChannelClient {
  return from.app.get(NodeChannelClientFactory).create({ url: to.url });
}

/** Registers `from` at `to` over the protocol and lets `to`'s registry decide its status and level. */
export async function introduce(
  from: TestNode,
  to: TestNode,
  level: NodeAccessLevel,
  status: AuthorizationStatus = AuthorizationStatus.Authorized,
): Promise<string> {
  const client = clientOf(from, to);
  await client.openChannel();
  const registration = await client.register({ requestedNodeAccessLevel: level, nodeUrl: from.url });
  const id = String(registration.registrationId);
  if (status !== AuthorizationStatus.Pending) {
    await to.app.get(NodeRegistryService).update(id, { status, nodeAccessLevel: levelFromWire(level) });
  }
  return id;
}

export interface TestPeer {
  nodeId: string;
  nodeName: string;
  certificateDer: string;
  sign(data: string): string;
}

export function makeClientIdentity(nodeId: string): TestPeer {
  const identity = generateSelfSignedIdentity(nodeId);
  const key = createPrivateKey(identity.privateKeyPem);
  return { nodeId, nodeName: nodeId, certificateDer: identity.certificateDer, sign: (d) => signData(key, d) };
}

/** Registers a client identity at a node and authorizes it with a level. */
export async function authorizedClient(node: ProbeNode | TestNode, level: NodeAccessLevelName, peer = makeClientIdentity(`peer-${level}`)) {
  const client = new NodeChannelClient({ url: node.url }, peer);
  await client.openChannel();
  const { registrationId } = await client.register({ requestedNodeAccessLevel: NodeAccessLevel.ReadOnly });
  await node.app.get(NodeRegistryService).update(String(registrationId), { status: AuthorizationStatus.Authorized, nodeAccessLevel: level });
  await client.connect();
  return { client, peer };
}

