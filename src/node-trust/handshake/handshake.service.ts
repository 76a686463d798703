import { Injectable } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import { AppConfig } from '../../config';
import { AuthorizationStatus, NodeAccessLevelName, ResearchNode } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { levelFromWire, levelToWire, statusToWire } from '../../nodes/node-wire';
import { ChannelState, ChannelStore, transcriptOf } from '../channel/channel.store';
import { TRANSCRIPT_SIGNATURE_FIELD, transcriptText } from '../crypto/transcript';
import { TrustStateStore } from '../state/trust-state.store';
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
    private readonly state: TrustStateStore,
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
    const transcriptSigned = this.verifyTranscriptSignature(channel, f, cert);
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
    // A node that signs its transcripts always does: an unsigned identify with its (public)
    // certificate learns nothing about its registration and binds nothing to the channel.
    if (node.transcriptSignedAt && !transcriptSigned) {
      throw detailError(400, 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED', 'This certificate identifies with a channel transcript signature');
    }
    await this.channels.save({
      ...channel,
      identifiedNodeId: node.id,
      certificateFingerprint: node.certificateFingerprint ?? undefined,
      transcriptSignedBy: transcriptSigned ? (node.certificateFingerprint ?? undefined) : undefined,
    });
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

  /**
   * Phase 2b: a new certificate becomes a Pending registration (reference RegisterNodeAsync); a
   * known one only files a requested change for an Admin (NodeRegistryService.register). New
   * requests are counted per client IP.
   */
  async register(channel: ChannelState, body: unknown, ipAddress = 'unknown') {
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
    const transcriptSigned = this.verifyTranscriptSignature(channel, f, cert);
    const derBase64 = cert.raw.toString('base64');
    const known = await this.registry.findByFingerprint(certificateFingerprint(derBase64));
    if (!known) await this.countRegistrationOf(ipAddress);
    // Only the holder of a signing node's key files a request for it: its public certificate alone is not enough.
    if (known?.transcriptSignedAt && !transcriptSigned) {
      throw detailError(400, 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED', 'This node has signed its channel transcripts before; an unsigned registration is refused');
    }
    const { node, created, changeRequested } = await this.registry.register(
      {
      protocolNodeId: f.str('nodeId').slice(0, 100) || null,
      nodeName,
      certificate: derBase64,
      certificateFingerprint: certificateFingerprint(derBase64),
      nodeUrl: nodeUrl.slice(0, 500),
      contactInfo: f.str('contactInfo').slice(0, 500),
      institutionDetails: f.str('institutionDetails').slice(0, 1000),
      requestedLevel: level,
        transcriptSigned,
      },
      { maxPending: this.config.trust.maxPendingRegistrations, pendingTtlHours: this.config.trust.pendingRegistrationTtlHours },
    );
    const pending = node.status === AuthorizationStatus.Pending;
    return {
      success: true,
      registrationId: node.id,
      status: statusToWire(node.status),
      message: created
        ? 'Registration received. Awaiting administrator approval.'
        : changeRequested
          ? 'Registration already known; the requested change awaits administrator approval.'
          : pending
            ? 'Registration pending administrator approval.'
            : 'Registration already known; nothing changed.',
      estimatedApprovalTime: pending || changeRequested ? '1.00:00:00' : null,
      timestamp: now(),
    };
  }

  /**
   * Checks the additive client transcript signature when present (a signature made on another
   * channel, e.g. relayed, fails: 400 ERR_INVALID_SIGNATURE); true when it verified.
   */
  private verifyTranscriptSignature(channel: ChannelState, f: Fields, cert: X509Certificate | undefined): boolean {
    const signature = f.str(TRANSCRIPT_SIGNATURE_FIELD);
    if (!signature) return false;
    if (!cert || !verifyWithCertificate(cert, [transcriptText(transcriptOf(channel), 'client')], signature)) {
      throw detailError(400, 'ERR_INVALID_SIGNATURE', 'Channel transcript signature verification failed', { plaintext: true });
    }
    return true;
  }

  /**
   * No session without the transcript proof from a node that has ever given it (no downgrade):
   * the proof comes from identify on this channel or from authenticate itself, by the REGISTERED
   * certificate's key. A first proof is recorded on the registry row.
   */
  private async requireTranscriptProof(channel: ChannelState, f: Fields, stored: X509Certificate, node: ResearchNode): Promise<void> {
    const signed =
      (!!node.certificateFingerprint && channel.transcriptSignedBy === node.certificateFingerprint) ||
      this.verifyTranscriptSignature(channel, f, stored);
    if (signed && !node.transcriptSignedAt) await this.registry.markTranscriptSigned(node.id);
    if (!signed && node.transcriptSignedAt) {
      throw detailError(400, 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED', 'This node has signed its channel transcripts before; an unsigned handshake is refused');
    }
  }

  /** New registrations per client IP and hour (REGISTRATIONS_PER_IP_PER_HOUR). */
  private async countRegistrationOf(ipAddress: string): Promise<void> {
    const { count } = await this.state.increment(`registrations:ip:${ipAddress}`, 3600_000);
    if (count > this.config.trust.registrationsPerIpPerHour) {
      throw detailError(429, 'ERR_REGISTRATION_LIMIT', 'Too many registrations from this address; try again later', { retryable: true });
    }
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
    await this.requireTranscriptProof(channel, f, stored, node);
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
