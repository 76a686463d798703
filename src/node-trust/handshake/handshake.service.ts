import { Injectable } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import { AppConfig } from '../../config';
import { AuthorizationStatus, NodeAccessLevelName } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { levelFromWire, levelToWire, statusToWire } from '../../nodes/node-wire';
import { ChannelState, ChannelStore } from '../channel/channel.store';
import { certificateDerBase64, certificateFingerprint, isCertificateCurrentlyValid, parseCertificate, verifyWithCertificate } from '../crypto/certificates';
import { signedTimestampForms } from '../crypto/timestamp';
import { CHALLENGE_TTL_SECONDS, detailError } from '../protocol';
import { Fields } from '../../core/http/fields';
import { SessionService } from '../session/session.service';
import { ChallengeStore } from './challenge.store';

const now = () => new Date().toISOString();

function tryParseCertificate(certificate: string): X509Certificate | undefined {
  try {
    return parseCertificate(certificate);
  } catch {
    return undefined;
  }
}

/** Phases 2-4 on the serving side (reference NodeConnectionController + ChallengeService). */
@Injectable()
export class HandshakeService {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: NodeRegistryService,
    private readonly channels: ChannelStore,
    private readonly challenges: ChallengeStore,
    private readonly sessions: SessionService,
  ) {}

  /** Phase 2: who is calling? Looks the certificate up by fingerprint and binds the node to the channel. */
  async identify(channel: ChannelState, body: unknown) {
    const f = new Fields(body);
    const nodeId = f.str('nodeId');
    const certificate = f.str('certificate');
    const signature = f.str('signature');
    if (certificate && signature) {
      // Bound to this channel: a signature made for another channel never verifies here.
      const cert = tryParseCertificate(certificate);
      const candidates = signedTimestampForms(f.str('timestamp')).map((ts) => `${channel.channelId}${nodeId}${ts}`);
      if (!cert || !verifyWithCertificate(cert, candidates, signature)) {
        throw detailError(400, 'ERR_INVALID_SIGNATURE', 'Node signature verification failed', { plaintext: true });
      }
    }
    const cert = certificate ? tryParseCertificate(certificate) : undefined;
    const node = cert ? await this.registry.findByFingerprint(certificateFingerprint(cert.raw.toString('base64'))) : null;
    if (!node) {
      return {
        isKnown: false,
        status: 0,
        nodeId,
        timestamp: now(),
        registrationUrl: `${this.config.server.publicUrl.replace(/\/$/, '')}/api/node/register`,
        message: 'Node is not registered. Please register using the provided URL.',
        nextPhase: null,
      };
    }
    await this.channels.save({ ...channel, identifiedNodeId: node.id, certificateFingerprint: node.certificateFingerprint ?? undefined });
    const messages: Record<string, string> = {
      [AuthorizationStatus.Authorized]: 'Node is authorized. Proceed to Phase 3 (Mutual Authentication).',
      [AuthorizationStatus.Pending]: 'Node registration is pending approval.',
      [AuthorizationStatus.Revoked]: 'Node authorization has been revoked.',
    };
    const authorized = node.status === AuthorizationStatus.Authorized;
    return {
      isKnown: true,
      status: statusToWire(node.status),
      nodeId,
      registrationId: node.id,
      nodeName: node.nodeName,
      timestamp: now(),
      message: messages[node.status] ?? `Node status is ${node.status}.`,
      nextPhase: authorized ? 'phase3_authenticate' : null,
    };
  }

  /** Phase 2b: a new certificate becomes a Pending registration (reference RegisterNodeAsync). */
  async register(body: unknown) {
    const f = new Fields(body);
    const reject = (message: string) => detailError(400, 'ERR_REGISTRATION_FAILED', message);
    const nodeName = f.str('nodeName').trim();
    if (!nodeName || nodeName.length > 200) throw reject('nodeName is required (at most 200 characters)');
    const cert = tryParseCertificate(f.str('certificate'));
    if (!cert) throw reject('certificate must be a base64 DER X.509 certificate');
    if (!isCertificateCurrentlyValid(cert)) throw reject('certificate is expired or not yet valid');
    const requested = f.raw('requestedNodeAccessLevel') ?? 0;
    const level = levelFromWire(requested);
    if (!level) throw reject('requestedNodeAccessLevel must be 0 (ReadOnly), 1 (ReadWrite) or 2 (Admin)');
    const nodeUrl = f.str('nodeUrl');
    if (nodeUrl && !/^https?:\/\/\S+$/.test(nodeUrl)) throw reject('nodeUrl must be an http(s) URL');
    const derBase64 = cert.raw.toString('base64');
    const { node, created } = await this.registry.register({
      protocolNodeId: f.str('nodeId').slice(0, 100) || null,
      nodeName,
      certificate: derBase64,
      certificateFingerprint: certificateFingerprint(derBase64),
      nodeUrl: nodeUrl.slice(0, 500),
      contactInfo: f.str('contactInfo').slice(0, 500),
      institutionDetails: f.str('institutionDetails').slice(0, 1000),
      requestedLevel: level,
    });
    const pending = node.status === AuthorizationStatus.Pending;
    return {
      success: true,
      registrationId: node.id,
      status: statusToWire(node.status),
      message: created
        ? 'Registration received. Awaiting administrator approval.'
        : pending
          ? 'Registration updated. Awaiting administrator approval.'
          : 'Registration updated.',
      estimatedApprovalTime: pending ? '1.00:00:00' : null,
      timestamp: now(),
    };
  }

  /** The identified, Authorized node of a channel (phase 3 precondition). */
  private async authorizedNodeOf(channel: ChannelState, stage: 'challenge' | 'authentication') {
    if (!channel.identifiedNodeId) {
      throw detailError(400, 'ERR_NODE_NOT_IDENTIFIED', `Node must complete Phase 2 identification before ${stage === 'challenge' ? 'requesting challenge' : 'authentication'}`);
    }
    const node = await this.registry.findById(channel.identifiedNodeId);
    if (!node) throw detailError(400, 'ERR_NODE_NOT_REGISTERED', 'Node is not registered');
    if (node.status !== AuthorizationStatus.Authorized) {
      throw detailError(400, 'ERR_NODE_NOT_AUTHORIZED', `Node status is ${node.status}. Only authorized nodes can authenticate.`);
    }
    return node;
  }

  /** Phase 3a: a one-time 32-byte challenge, 300 s. */
  async challenge(channel: ChannelState, body: unknown) {
    await this.authorizedNodeOf(channel, 'challenge');
    const nodeId = new Fields(body).str('nodeId');
    const challenge = await this.challenges.issue(channel.channelId, nodeId);
    return {
      challengeData: challenge.challengeData,
      challengeTimestamp: challenge.challengeTimestamp,
      challengeTtlSeconds: CHALLENGE_TTL_SECONDS,
      expiresAt: challenge.expiresAt,
    };
  }

  /** Phase 3b + 4: verify the signed challenge with the REGISTERED certificate, open a session. */
  async authenticate(channel: ChannelState, body: unknown, ipAddress?: string) {
    const node = await this.authorizedNodeOf(channel, 'authentication');
    const f = new Fields(body);
    const nodeId = f.str('nodeId');
    const challengeData = f.str('challengeData');
    const invalid = () => detailError(400, 'ERR_INVALID_CHALLENGE_RESPONSE', 'Challenge response verification failed');
    const challenge = await this.challenges.consume(channel.channelId, nodeId);
    if (!challenge || challenge.challengeData !== challengeData) throw invalid();
    const stored = parseCertificate(certificateDerBase64(node.certificate));
    const candidates = signedTimestampForms(f.str('timestamp')).map((ts) => `${challengeData}${channel.channelId}${nodeId}${ts}`);
    if (!verifyWithCertificate(stored, candidates, f.str('signature'))) throw invalid();
    const level = levelToWire(node.nodeAccessLevel as NodeAccessLevelName);
    const session = await this.sessions.create(node.id, channel.channelId, level, ipAddress);
    await this.registry.markAuthenticated(node.id);
    return {
      authenticated: true,
      nodeId: node.id,
      sessionToken: session.sessionToken,
      sessionExpiresAt: session.expiresAt,
      grantedNodeAccessLevel: level,
      message: 'Authentication successful',
      nextPhase: 'phase4_session',
      timestamp: now(),
    };
  }
}
