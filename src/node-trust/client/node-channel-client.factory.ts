import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { LocalIdentity } from '../identity/local-identity';
import { NodeChannelClient, NodeChannelClientOptions, PeerTarget } from './node-channel-client';

/** Builds clients that speak for this node (its LocalIdentity, SYNC_PEER_TIMEOUT_MS). */
@Injectable()
export class NodeChannelClientFactory {
  constructor(
    private readonly identity: LocalIdentity,
    private readonly config: AppConfig,
  ) {}

  create(peer: PeerTarget, options: NodeChannelClientOptions = {}): NodeChannelClient {
    return new NodeChannelClient(peer, this.identity, { timeoutMs: this.config.sync.peerTimeoutMs, ...options });
  }

  /** A client with a completed handshake (throws PeerError when the peer does not authorize us). */
  async connect(peer: PeerTarget, options: NodeChannelClientOptions = {}): Promise<NodeChannelClient> {
    const client = this.create(peer, options);
    await client.connect();
    return client;
  }
}
