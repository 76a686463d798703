import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { NodeAccessLevel, PendingGrant } from '../../core/auth/access';
import { NodeSessionAuthenticator } from '../../core/auth/authenticators';
import { AppError } from '../../core/errors/app-error';
import { ErrorCode } from '../../core/errors/error-codes';
import { AuthorizationStatus } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService, SessionGrant } from '../../nodes/node-registry.service';
import { levelToWire } from '../../nodes/node-wire';
import { NodeTrustRequest } from '../channel/channel-request';
import { ChannelStore } from '../channel/channel.store';
import { decryptBytes, envelopeOf, EnvelopeError } from '../crypto/channel-crypto';
import { detailError, HEADER_CHANNEL, HEADER_SESSION } from '../protocol';
import { Fields } from '../../core/http/fields';
import { SessionData, SessionService } from './session.service';

const plain = (code: ErrorCode, message: string, retryable = false) => detailError(400, code, message, { retryable, plaintext: true });
const unauthorized = (code: ErrorCode, message: string) =>
  new AppError(401, code, message, { details: { hint: code === 'ERR_INVALID_SESSION' ? 'Re-authenticate using POST /api/node/authenticate' : 'Add X-Session-Id header with your session token' }, plaintext: true });

/**
 * The channel and session checks of the reference's PrismEncryptedChannelConnection and
 * PrismAuthenticatedSession filters, run by the global AccessGuard.
 *
 * Decryption happens HERE (guard stage), not in an interceptor: guards run before interceptors
 * and pipes, and the session check needs the decrypted body for the reference's deprecated
 * `sessionToken` body fallback; validation pipes then see the plaintext body.
 */
@Injectable()
export class ChannelSessionAuthenticator extends NodeSessionAuthenticator {
  constructor(
    private readonly channels: ChannelStore,
    private readonly sessions: SessionService,
    private readonly registry: NodeRegistryService,
  ) {
    super();
  }

  hasCredentials(req: Request): boolean {
    return !!req.header(HEADER_CHANNEL);
  }

  async authenticateChannel(req: Request): Promise<void> {
    const r = req as NodeTrustRequest;
    if (r.prismChannel) return;
    const channelId = req.header(HEADER_CHANNEL)?.trim();
    if (!channelId) throw plain('ERR_MISSING_CHANNEL_ID', 'X-Channel-Id header is required');
    const channel = await this.channels.get(channelId);
    if (!channel) throw plain('ERR_INVALID_CHANNEL', 'Channel does not exist or has expired', true);
    const key = Buffer.from(channel.key, 'base64');
    req.res?.setHeader(HEADER_CHANNEL, channelId);
    r.body = this.decryptBody(req.body, key);
    r.prismChannel = { channel, key, handlerStarted: false };
  }

  private decryptBody(body: unknown, key: Buffer): unknown {
    const empty = body === undefined || body === null || (typeof body === 'object' && Object.keys(body as object).length === 0);
    if (empty) return {};
    const envelope = envelopeOf(body);
    if (!envelope) throw plain('ERR_INVALID_PAYLOAD', 'Request body must be an encrypted payload {encryptedData, iv, authTag}');
    let text: string;
    try {
      text = decryptBytes(key, envelope).toString('utf8');
    } catch (error) {
      const reason = error instanceof EnvelopeError ? error.message : 'decryption failed';
      throw plain('ERR_DECRYPTION_FAILED', `Failed to decrypt request payload: ${reason}`);
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw plain('ERR_INVALID_PAYLOAD', 'Decrypted payload is not JSON');
    }
  }

  async authenticate(req: Request, capability: NodeAccessLevel, options: { grantInHandler?: boolean } = {}): Promise<void> {
    await this.authenticateChannel(req);
    const r = req as NodeTrustRequest;
    let token = req.header(HEADER_SESSION)?.trim();
    if (!token) {
      const fromBody = new Fields(r.body).raw('sessionToken');
      if (fromBody === undefined) throw unauthorized('ERR_NO_SESSION_TOKEN', 'Session token must be provided via X-Session-Id header');
      if (typeof fromBody !== 'string' || fromBody.trim() === '') throw unauthorized('ERR_EMPTY_TOKEN', 'Session token cannot be empty');
      token = fromBody.trim();
    }
    const session = await this.sessions.validate(token);
    if (!session) throw unauthorized('ERR_INVALID_SESSION', 'Session token is invalid or expired');
    // Bound to its channel (beyond the reference): a token replayed on another channel is useless.
    if (session.channelId !== r.prismChannel!.channel.channelId) {
      throw unauthorized('ERR_INVALID_SESSION', 'Session token is invalid or expired (it belongs to another channel)');
    }
    const admit = (grant: SessionGrant | null) => this.admit(r, token, session, capability, grant);
    if (options.grantInHandler) {
      r.nodeSession = { token, nodeId: session.nodeId, channelId: session.channelId, accessLevel: session.accessLevel, pendingGrant: this.pending(session.nodeId, admit) };
      return;
    }
    await admit(await this.registry.sessionGrant(session.nodeId));
  }

  /**
   * The registry is the authority, read on every request (never cached): a node revoked,
   * downgraded or given another certificate by an operator loses its sessions at its next
   * request, on every replica, without session bookkeeping across modules. Read here (the guard)
   * or in the handler's first statement (`grantInHandler`: one round trip less), then checked here.
   */
  private async admit(r: NodeTrustRequest, token: string, session: SessionData, capability: NodeAccessLevel, grant: SessionGrant | null): Promise<void> {
    const granted = grant ? levelToWire(grant.nodeAccessLevel) : NodeAccessLevel.ReadOnly;
    if (
      !grant ||
      grant.status !== AuthorizationStatus.Authorized ||
      granted < session.accessLevel ||
      !grant.certificateFingerprint ||
      grant.certificateFingerprint !== r.prismChannel!.channel.certificateFingerprint
    ) {
      await this.sessions.revoke(token);
      throw unauthorized('ERR_INVALID_SESSION', 'Session token is invalid or expired (the node was revoked, its access level lowered or its certificate replaced)');
    }
    if (granted < capability) {
      throw new AppError(403, 'ERR_INSUFFICIENT_PERMISSIONS', `This endpoint requires capability: ${NodeAccessLevel[capability]} (granted: ${NodeAccessLevel[granted]})`, {
        details: { grantedCapabilities: granted, requiredCapability: capability },
        plaintext: true,
      });
    }
    r.nodeSession = { token, nodeId: session.nodeId, channelId: session.channelId, accessLevel: granted };
    await this.sessions.recordRequest(token);
  }

  /** The grant left to the handler: settled once, by the value its statement read or by a read of its own. */
  private pending(nodeId: string, admit: (grant: SessionGrant | null) => Promise<void>): PendingGrant {
    const registry = this.registry;
    let settled = false;
    const settle = async (grant: SessionGrant | null) => {
      if (settled) throw new Error('a node session grant is settled once');
      settled = true;
      await admit(grant);
    };
    return {
      nodeId,
      get settled() {
        return settled;
      },
      sql: (idParam) => registry.sessionGrantSql(idParam),
      settle: (value) => settle(registry.sessionGrantOf(value)),
      read: async () => settle(await registry.sessionGrant(nodeId)),
    };
  }
}
