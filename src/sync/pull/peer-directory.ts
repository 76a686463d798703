import { Injectable } from '@nestjs/common';
import { AppError } from '../../core/errors/app-error';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { AuthorizationStatus, NodeAccessLevelName } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService, PullTargetRow } from '../../nodes/node-registry.service';
import { PeerTarget } from './peer.port';

/** What the checks read of a registry row. */
type Checked = Pick<PullTargetRow, 'id' | 'nodeName' | 'status' | 'nodeAccessLevel'>;

/**
 * The pre-checks of a pull, before any network call (SPEC §6): the peer exists in the registry
 * (read through the nodes module), is Authorized, has a URL, and the connection's access level
 * allows pulling (ReadWrite or Admin).
 */
@Injectable()
export class PeerDirectory {
  constructor(private readonly registry: NodeRegistryService) {}

  async resolveForPull(remoteNodeId: string): Promise<PeerTarget> {
    return this.resolve(remoteNodeId, true);
  }

  /** A peer this node may call (Authorized, with a URL), whatever the level of the connection: asking it to pull needs no pull grant here. */
  async resolveForCall(remoteNodeId: string): Promise<PeerTarget> {
    return this.resolve(remoteNodeId, false);
  }

  /**
   * What pulling from a peer needs, and exchanging offline bundles with it: Authorized, with a
   * ReadWrite or Admin connection.
   */
  assertGranted(node: Checked): void {
    this.assertAuthorized(node);
    this.assertPullLevel(node);
  }

  private assertAuthorized(node: Checked): void {
    if (node.status === AuthorizationStatus.Authorized) return;
    throw new AppError(409, 'ERR_NODE_NOT_AUTHORIZED', `peer "${node.nodeName}" (${node.id}) is ${node.status}; only an Authorized peer can be pulled from or exchange bundles`, {
      details: { remoteNodeId: node.id, status: node.status },
    });
  }

  private assertPullLevel(node: Checked): void {
    if (node.nodeAccessLevel === NodeAccessLevelName.ReadWrite || node.nodeAccessLevel === NodeAccessLevelName.Admin) return;
    throw new AppError(403, 'ERR_INSUFFICIENT_CAPABILITY', `peer "${node.nodeName}" (${node.id}) has access level ${node.nodeAccessLevel}; pulling and bundles need ReadWrite or Admin`, {
      details: { remoteNodeId: node.id, grantedCapability: node.nodeAccessLevel, requiredCapability: 'ReadWrite' },
    });
  }

  private async resolve(remoteNodeId: string, pulling: boolean): Promise<PeerTarget> {
    if (!isUuid(remoteNodeId)) throw invalidField('remoteNodeId', 'must be a UUID');
    const node = await this.registry.pullTarget(remoteNodeId);
    if (!node) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `no peer node ${remoteNodeId} in the registry`, { details: { remoteNodeId } });
    this.assertAuthorized(node);
    if (!node.nodeUrl) {
      throw new AppError(409, 'ERR_NODE_URL_MISSING', `peer "${node.nodeName}" (${node.id}) has no URL; set one before pulling`, { details: { remoteNodeId } });
    }
    if (pulling) this.assertPullLevel(node);
    return { registryId: node.id, url: node.nodeUrl, name: node.nodeName, certificate: node.certificate };
  }
}
