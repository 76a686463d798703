import { PrismHttp } from './http.js';
import type { ConnectResult, NewConnection, NodeAccessLevelCode, NodeConnection, PublicIdentity } from './types.js';

/** Node registry administration (Admin users): peers to pull from and nodes registered with us. */
export class NodesService {
  constructor(private readonly http: PrismHttp) {}

  list(): Promise<NodeConnection[]> {
    return this.http.json('GET', '/api/node/nodes');
  }

  get(id: string): Promise<NodeConnection> {
    return this.http.json('GET', `/api/node/${encodeURIComponent(id)}`);
  }

  /** This node's public identity (no login needed). */
  identity(): Promise<PublicIdentity> {
    return this.http.json('GET', '/api/node/identity');
  }

  /**
   * Introduces this node to a peer in one call: registers at the peer over the handshake (the
   * peer's operator then approves it) and records the peer as a connection here. `certificate`
   * (and `nodeName`): the peer's, for a reference node, which serves no identity route.
   */
  connect(request: {
    nodeUrl: string;
    requestedNodeAccessLevel?: NodeAccessLevelCode;
    contactInfo?: string;
    institutionDetails?: string;
    certificate?: string;
    nodeName?: string;
  }): Promise<ConnectResult> {
    return this.http.json('POST', '/api/node/connect', { body: request });
  }

  /** Adds a peer this node will pull from (its URL and certificate), without registering at it. */
  add(connection: NewConnection): Promise<NodeConnection> {
    return this.http.json('POST', '/api/node/NewConnection', { body: connection });
  }

  /** Authorizes a Pending node that registered with us, optionally granting an access level. */
  approve(id: string, nodeAccessLevel?: NodeAccessLevelCode): Promise<NodeConnection> {
    return this.http.json('POST', `/api/node/${encodeURIComponent(id)}/approve`, { body: nodeAccessLevel === undefined ? {} : { nodeAccessLevel } });
  }

  reject(id: string): Promise<NodeConnection> {
    return this.http.json('POST', `/api/node/${encodeURIComponent(id)}/reject`);
  }

  revoke(id: string): Promise<NodeConnection> {
    return this.http.json('POST', `/api/node/${encodeURIComponent(id)}/revoke`);
  }

  setAccessLevel(id: string, nodeAccessLevel: NodeAccessLevelCode): Promise<NodeConnection> {
    return this.http.json('PUT', `/api/node/${encodeURIComponent(id)}/access-level`, { body: { nodeAccessLevel } });
  }
}
