import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticatedNodeSession, NodeAccessLevel, RequireCapability } from '../../core/auth/access';
import { AppError } from '../../core/errors/app-error';
import { invalidField } from '../../core/validation';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { levelToWire } from '../../nodes/node-wire';
import { NodeTrustRequest } from '../channel/channel-request';
import { EncryptedChannel } from '../channel/encrypted-route';
import { Fields } from '../../core/http/fields';
import { SessionService } from './session.service';

const sessionOf = (req: Request): AuthenticatedNodeSession => (req as NodeTrustRequest).nodeSession!;
const remaining = (expiresAt: string) => Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));

/** Phase 4 session endpoints (reference SessionController). */
@ApiTags('handshake')
@Controller('api/session')
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly registry: NodeRegistryService,
  ) {}

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 4: the current session' })
  @Post('whoami')
  @HttpCode(200)
  async whoami(@Req() req: Request) {
    const { token } = sessionOf(req);
    const session = await this.sessions.validate(token);
    if (!session) throw new AppError(401, 'ERR_INVALID_SESSION', 'Session token is invalid or expired');
    const usage = await this.sessions.usage(token);
    return {
      sessionToken: token,
      nodeId: session.nodeId,
      channelId: session.channelId,
      expiresAt: session.expiresAt,
      remainingSeconds: remaining(session.expiresAt),
      capabilities: session.accessLevel,
      requestCount: usage.requestCount,
      timestamp: new Date().toISOString(),
    };
  }

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 4: extend the session' })
  @Post('renew')
  @HttpCode(200)
  async renew(@Req() req: Request, @Body() body: unknown) {
    const requested = new Fields(body).raw('additionalSeconds') ?? 3600;
    if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1 || requested > 86400) {
      throw invalidField('additionalSeconds', 'must be an integer between 1 and 86400');
    }
    const session = await this.sessions.renew(sessionOf(req).token, requested);
    if (!session) throw new AppError(401, 'ERR_SESSION_RENEWAL_FAILED', 'Session could not be renewed (it reached its maximum lifetime)');
    return {
      sessionToken: session.sessionToken,
      nodeId: session.nodeId,
      expiresAt: session.expiresAt,
      remainingSeconds: remaining(session.expiresAt),
      message: `Session extended until ${session.expiresAt}`,
      timestamp: new Date().toISOString(),
    };
  }

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 4: end the session' })
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Req() req: Request) {
    const { token, nodeId } = sessionOf(req);
    if (!(await this.sessions.revoke(token))) throw new AppError(400, 'ERR_SESSION_REVOCATION_FAILED', 'Session could not be revoked');
    return { sessionToken: token, nodeId, revoked: true, message: 'Session revoked', timestamp: new Date().toISOString() };
  }

  @RequireCapability(NodeAccessLevel.Admin)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 4: session metrics of a node (Admin capability)' })
  @Post('metrics')
  @HttpCode(200)
  async metrics(@Req() req: Request, @Body() body: unknown) {
    const nodeId = new Fields(body).str('nodeId') || sessionOf(req).nodeId;
    const node = await this.registry.findById(nodeId);
    const sessions = await this.sessions.sessionsOf(nodeId);
    const usages = await Promise.all(sessions.map((s) => this.sessions.usage(s.sessionToken)));
    const last = usages.map((u) => u.lastAccessedAt).filter((v): v is string => !!v).sort().at(-1) ?? null;
    return {
      nodeId,
      activeSessions: sessions.length,
      totalRequests: usages.reduce((sum, u) => sum + u.requestCount, 0),
      lastAccessedAt: last,
      nodeAccessLevel: node ? levelToWire(node.nodeAccessLevel) : null,
    };
  }
}
