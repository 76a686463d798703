import { Injectable } from '@nestjs/common';
import axios from 'axios';
import { AppConfig } from '../config';
import { NodeAccessLevel } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { NodeChannelClientFactory } from '../node-trust/client/node-channel-client.factory';
import { PeerError } from '../core/errors/peer-error';
import { X509Certificate } from 'node:crypto';
import { certificateFingerprint, parseCertificate } from '../node-trust/crypto/certificates';
import { invalidField } from '../core/validation';
import { LocalIdentity } from '../node-trust/identity/local-identity';
import { AuthorizationStatus, PeerProtocol } from './entities/research-node.entity';
import { NodeRegistryService } from './node-registry.service';
import { levelFromWire } from './node-wire';
import type { PublicIdentity } from '../../client/src/types';

/** The largest identity document read from a URL being introduced (a few KB in practice). */
const IDENTITY_MAX_BYTES = 1024 * 1024;

/** This node's public identity (GET /api/node/identity): the wire contract in client/. */
export type { PublicIdentity };

export interface ConnectRequest {
  nodeUrl: string;
  requestedNodeAccessLevel: NodeAccessLevel;
  /**
   * The peer's certificate (base64 DER or PEM) as its operator gave it: needed for a node that
   * speaks only the reference protocol, which serves no identity route.
   */
  certificate?: string;
  /** The peer's name, when it cannot tell (a reference node); default its host. */
  nodeName?: string;
  contactInfo?: string;
  institutionDetails?: string;
}

/**
 * Introducing this node to a peer in one operator call: read the peer's public identity, register
 * this node at the peer over the handshake (the peer's operator then approves it), and record the
 * peer as a connection here (URL + certificate), ready to pull once approved.
 *
 * A node that speaks only the reference protocol has no identity route (and its handshake never
 * shows its certificate): the operator gives its certificate, or, without one, it is recorded
 * without a certificate (as the reference's NewConnection allows). Only `/api/channel/open` and
 * `/api/node/register` are called there.
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
    const { peer, protocol } = await this.peerIdentity(url, request);
    if (peer.certificateFingerprint === this.identity.fingerprint) throw new AppError(400, 'ERR_SELF_CONNECTION', 'that URL is this node itself');
    let registration: Record<string, unknown>;
    try {
      // A peer that served our identity route must prove, over this channel, that it holds the key
      // of the identity it served; a reference-protocol peer cannot sign its transcript.
      const client = this.clients.create({ url, certificate: peer.certificate || undefined, requireTranscriptSignature: protocol === 'prism-node' });
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
    const existing = peer.certificateFingerprint ? await this.registry.findByFingerprint(peer.certificateFingerprint) : null;
    const connection = existing
      ? await this.registry.update(existing.id, { nodeUrl: url, nodeName: peer.nodeName })
      : await this.registry.addConnection({
          nodeName: peer.nodeName,
          nodeUrl: url,
          protocol,
          certificate: peer.certificate,
          certificateFingerprint: peer.certificateFingerprint || null,
          status: AuthorizationStatus.Authorized,
          nodeAccessLevel: level,
          contactInfo: request.contactInfo ?? '',
          institutionDetails: request.institutionDetails ?? '',
        });
    return { connectionId: connection.id, peer, registration };
  }

  /**
   * Who the peer is: the certificate the operator gave (then no identity call), else the peer's
   * identity route, else — a reference node, which answers 404 there — a peer without certificate.
   * A peer that serves the identity route speaks this node's protocol (it signs its transcripts);
   * any other is recorded as a reference-protocol connection (docs/security.md).
   */
  private async peerIdentity(url: string, request: ConnectRequest): Promise<{ peer: PublicIdentity; protocol: PeerProtocol }> {
    const fallbackName = request.nodeName ?? new URL(url).host;
    if (request.certificate) {
      let certificate: X509Certificate;
      try {
        certificate = parseCertificate(request.certificate);
      } catch {
        throw invalidField('certificate', 'must be an X.509 certificate (base64 DER or PEM)');
      }
      const der = certificate.raw.toString('base64');
      const commonName = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
      const peer = { nodeId: commonName ?? fallbackName, nodeName: request.nodeName ?? commonName ?? fallbackName, certificate: der, certificateFingerprint: certificateFingerprint(der), nodeUrl: url };
      // Given by the operator for a peer without the identity route; a PRISM node's first signed
      // channel still locks the connection to signed transcripts (no downgrade).
      return { peer, protocol: 'reference' };
    }
    const identity = await this.fetchIdentity(url);
    if (identity) return { peer: identity, protocol: 'prism-node' };
    return { peer: { nodeId: fallbackName, nodeName: fallbackName, certificate: '', certificateFingerprint: '', nodeUrl: url }, protocol: 'reference' };
  }

  /** The peer's public identity; undefined when it serves no identity route (404: a reference node). */
  private async fetchIdentity(url: string): Promise<PublicIdentity | undefined> {
    try {
      const res = await axios.get<PublicIdentity>(`${url}/api/node/identity`, {
        timeout: this.config.sync.peerTimeoutMs,
        httpsAgent: this.clients.httpsAgent,
        // An identity is a certificate and a few names: whatever answers at the URL given is read no further.
        maxContentLength: IDENTITY_MAX_BYTES,
      });
      const body = res.data;
      if (typeof body?.certificate !== 'string' || certificateFingerprint(body.certificate) !== body.certificateFingerprint) {
        throw new Error('the answer is not a node identity');
      }
      return body;
    } catch (error) {
      if (axios.isAxiosError(error) && error.response?.status === 404) return undefined;
      throw new AppError(502, 'ERR_PEER_UNREACHABLE', `cannot read the identity of ${url}: ${(error as Error).message}`);
    }
  }
}
