import { Injectable } from '@nestjs/common';
import axios from 'axios';
import { AppConfig } from '../config';
import { NodeAccessLevel } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { NodeChannelClientFactory } from '../node-trust/client/node-channel-client.factory';
import { PeerError } from '../core/errors/peer-error';
import { certificateFingerprint } from '../node-trust/crypto/certificates';
import { LocalIdentity } from '../node-trust/identity/local-identity';
import { AuthorizationStatus } from './entities/research-node.entity';
import { NodeRegistryService } from './node-registry.service';
import { levelFromWire } from './node-wire';
import type { PublicIdentity } from '../../client/src/types';

/** This node's public identity (GET /api/node/identity): the wire contract in client/. */
export type { PublicIdentity };

export interface ConnectRequest {
  nodeUrl: string;
  requestedNodeAccessLevel: NodeAccessLevel;
  contactInfo?: string;
  institutionDetails?: string;
}

/**
 * Introducing this node to a peer in one operator call: read the peer's public identity, register
 * this node at the peer over the handshake (the peer's operator then approves it), and record the
 * peer as a connection here (URL + certificate), ready to pull once approved.
 */
@Injectable()
export class NodeIntroduction {
  constructor(
    private readonly identity: LocalIdentity,
    private readonly config: AppConfig,
    private readonly clients: NodeChannelClientFactory,
    private readonly registry: NodeRegistryService,
  ) {}

  publicIdentity(): PublicIdentity {
    return {
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      certificate: this.identity.certificateDer,
      certificateFingerprint: this.identity.fingerprint,
      nodeUrl: this.config.server.publicUrl,
    };
  }

  async connect(request: ConnectRequest) {
    const url = request.nodeUrl.replace(/\/+$/, '');
    const peer = await this.fetchIdentity(url);
    if (peer.certificateFingerprint === this.identity.fingerprint) throw new AppError(400, 'ERR_SELF_CONNECTION', 'that URL is this node itself');
    let registration: Record<string, unknown>;
    try {
      // The peer must prove, over this channel, that it holds the key of the identity it served.
      const client = this.clients.create({ url, certificate: peer.certificate, requireTranscriptSignature: true });
      await client.openChannel();
      registration = await client.register({
        requestedNodeAccessLevel: request.requestedNodeAccessLevel,
        nodeUrl: this.config.server.publicUrl,
        contactInfo: request.contactInfo,
        institutionDetails: request.institutionDetails,
      });
    } catch (error) {
      if (error instanceof PeerError && error.code === 'ERR_PEER_IDENTITY_MISMATCH') throw new AppError(502, 'ERR_PEER_IDENTITY_MISMATCH', error.message, { cause: error });
      if (error instanceof PeerError) throw new AppError(502, 'ERR_PEER_REGISTRATION_FAILED', `registering at ${url} failed: ${error.message}`, { cause: error });
      throw error;
    }
    const level = levelFromWire(request.requestedNodeAccessLevel)!;
    const existing = await this.registry.findByFingerprint(peer.certificateFingerprint);
    const connection = existing
      ? await this.registry.update(existing.id, { nodeUrl: url, nodeName: peer.nodeName })
      : await this.registry.addConnection({
          nodeName: peer.nodeName,
          nodeUrl: url,
          certificate: peer.certificate,
          certificateFingerprint: peer.certificateFingerprint,
          status: AuthorizationStatus.Authorized,
          nodeAccessLevel: level,
          contactInfo: request.contactInfo ?? '',
          institutionDetails: request.institutionDetails ?? '',
        });
    return { connectionId: connection.id, peer, registration };
  }

  private async fetchIdentity(url: string): Promise<PublicIdentity> {
    try {
      const res = await axios.get<PublicIdentity>(`${url}/api/node/identity`, { timeout: this.config.sync.peerTimeoutMs, httpsAgent: this.clients.httpsAgent });
      const body = res.data;
      if (typeof body?.certificate !== 'string' || certificateFingerprint(body.certificate) !== body.certificateFingerprint) {
        throw new Error('the answer is not a node identity');
      }
      return body;
    } catch (error) {
      throw new AppError(502, 'ERR_PEER_UNREACHABLE', `cannot read the identity of ${url}: ${(error as Error).message}`);
    }
  }
}
