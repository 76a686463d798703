import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { PeerTarget } from './peer.port';
import { isUuid } from '../../core/uuid';

interface PeerRow {
  id: string;
  node_name: string;
  node_url: string;
  certificate: string;
  status: string;
  node_access_level: string;
  is_local: boolean;
}


/**
 * The pre-checks of a pull, before any network call (SPEC §6): the peer exists, is Authorized, has
 * a URL, and the connection's access level allows pulling (ReadWrite or Admin).
 */
@Injectable()
export class PeerDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async resolveForPull(remoteNodeId: string): Promise<PeerTarget> {
    if (!isUuid(remoteNodeId)) {
      throw new AppError(400, 'ERR_VALIDATION', 'remoteNodeId must be a UUID', {
        details: { fields: [{ field: 'remoteNodeId', problems: ['must be a UUID'] }] },
      });
    }
    const rows: PeerRow[] = await this.dataSource.query(
      `SELECT id, node_name, node_url, certificate, status, node_access_level, is_local FROM research_nodes WHERE id = $1`,
      [remoteNodeId],
    );
    const row = rows[0];
    if (!row || row.is_local) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `no peer node ${remoteNodeId} in the registry`, { details: { remoteNodeId } });
    const peer = `peer "${row.node_name}" (${row.id})`;
    if (row.status !== 'Authorized') {
      throw new AppError(409, 'ERR_NODE_NOT_AUTHORIZED', `${peer} is ${row.status}; only an Authorized peer can be pulled from`, {
        details: { remoteNodeId, status: row.status },
      });
    }
    if (!row.node_url) {
      throw new AppError(409, 'ERR_NODE_URL_MISSING', `${peer} has no URL; set one before pulling`, { details: { remoteNodeId } });
    }
    if (row.node_access_level !== 'ReadWrite' && row.node_access_level !== 'Admin') {
      throw new AppError(
        403,
        'ERR_INSUFFICIENT_CAPABILITY',
        `${peer} has access level ${row.node_access_level}; pulling needs ReadWrite or Admin`,
        { details: { remoteNodeId, grantedCapability: row.node_access_level, requiredCapability: 'ReadWrite' } },
      );
    }
    return { registryId: row.id, url: row.node_url, name: row.node_name, certificate: row.certificate };
  }
}
