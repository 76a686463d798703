import { Injectable } from '@nestjs/common';
import { AppError } from '../../core/errors/app-error';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { AuthorizationStatus, NodeAccessLevelName } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { PeerTarget } from './peer.port';

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

  private async resolve(remoteNodeId: string, pulling: boolean): Promise<PeerTarget> {
    if (!isUuid(remoteNodeId)) throw invalidField('remoteNodeId', 'must be a UUID');
    const node = await this.registry.findById(remoteNodeId);
    if (!node) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `no peer node ${remoteNodeId} in the registry`, { details: { remoteNodeId } });
    const peer = `peer "${node.nodeName}" (${node.id})`;
    if (node.status !== AuthorizationStatus.Authorized) {
      throw new AppError(409, 'ERR_NODE_NOT_AUTHORIZED', `${peer} is ${node.status}; only an Authorized peer can be pulled from`, {
        details: { remoteNodeId, status: node.status },
      });
    }
    if (!node.nodeUrl) {
      throw new AppError(409, 'ERR_NODE_URL_MISSING', `${peer} has no URL; set one before pulling`, { details: { remoteNodeId } });
    }
    if (pulling && node.nodeAccessLevel !== NodeAccessLevelName.ReadWrite && node.nodeAccessLevel !== NodeAccessLevelName.Admin) {
      throw new AppError(403, 'ERR_INSUFFICIENT_CAPABILITY', `${peer} has access level ${node.nodeAccessLevel}; pulling needs ReadWrite or Admin`, {
        details: { remoteNodeId, grantedCapability: node.nodeAccessLevel, requiredCapability: 'ReadWrite' },
      });
    }
    return { registryId: node.id, url: node.nodeUrl, name: node.nodeName, certificate: node.certificate };
  }
}
