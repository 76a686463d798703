import { Injectable } from '@nestjs/common';
import type { Agent as HttpsAgent } from 'node:https';
import { AppConfig } from '../../config';
import { peerHttpsAgent } from '../../core/http/tls';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { LocalIdentity } from '../identity/local-identity';
import { NodeChannelClient, NodeChannelClientOptions, PeerTarget } from './node-channel-client';

/** Builds clients that speak for this node (its LocalIdentity, SYNC_PEER_TIMEOUT_MS). */
@Injectable()
export class NodeChannelClientFactory {
  /** Trust for https:// peers: system CAs plus PEER_CA_FILE; every request to a peer uses it. */
  readonly httpsAgent: HttpsAgent | undefined;

  constructor(
    private readonly identity: LocalIdentity,
    private readonly config: AppConfig,
    private readonly registry: NodeRegistryService,
  ) {
    this.httpsAgent = peerHttpsAgent(config.server);
  }

  create(peer: PeerTarget, options: NodeChannelClientOptions = {}): NodeChannelClient {
    return new NodeChannelClient(peer, this.identity, { timeoutMs: this.config.sync.peerTimeoutMs, maxAnswerBytes: this.config.sync.peerAnswerMaxBytes, httpsAgent: this.httpsAgent, streamsInPlace: !this.config.sync.peerProxy, ...options });
  }

  /** A client with a completed handshake (throws PeerError when the peer does not authorize us). */
  async connect(peer: PeerTarget, options: NodeChannelClientOptions = {}): Promise<NodeChannelClient> {
    const client = this.create(peer, options);
    await client.connect();
    return client;
  }

  /**
   * The target of a registry connection with its identity policy: the recorded certificate; the
   * transcript signature required unless an operator marked the connection as reference-protocol
   * and the peer never signed (no downgrade); its first signature recorded on the row.
   */
  async registeredPeer(registryId: string, url: string): Promise<PeerTarget> {
    const node = await this.registry.require(registryId);
    return {
      url,
      certificate: node.certificate || undefined,
      requireTranscriptSignature: node.protocol !== 'reference' || !!node.transcriptSignedAt,
      onTranscriptVerified: node.transcriptSignedAt ? undefined : () => this.registry.markTranscriptSigned(node.id),
    };
  }
}
