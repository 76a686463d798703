import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { ACCESS_RULE, AccessRule, CHANNEL_USER_SESSION_CAPABILITY } from './access';
import { NodeSessionAuthenticator, UserAuthenticator } from './authenticators';

/** The global, default-deny guard: runs the verification each route declares. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Optional() private readonly users?: UserAuthenticator,
    @Optional() private readonly nodes?: NodeSessionAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<Request>();
    if (!rule) throw new AppError(403, 'ERR_ACCESS_NOT_DECLARED', `route ${req.method} ${req.path} declares no access rule`);
    switch (rule.kind) {
      case 'public':
        return true;
      case 'user':
        // Through a channel (the IRIS desktop) the channel and its node session are verified first:
        // they decrypt the body, and a revoked or expired session must not ride on a valid JWT.
        if (this.nodes?.hasCredentials(req)) await this.nodeAuthenticator().authenticate(req, CHANNEL_USER_SESSION_CAPABILITY);
        await this.userAuthenticator().authenticate(req, rule.roles);
        return true;
      case 'channel':
        await this.nodeAuthenticator().authenticateChannel(req);
        return true;
      case 'node':
        await this.nodeAuthenticator().authenticate(req, rule.capability, { grantInHandler: rule.grantInHandler });
        return true;
      case 'publicOrNode':
        if (this.nodes?.hasCredentials(req)) await this.nodeAuthenticator().authenticate(req, rule.capability);
        return true;
    }
  }

  private userAuthenticator(): UserAuthenticator {
    if (!this.users) throw new AppError(500, 'ERR_INTERNAL', 'no user authenticator registered');
    return this.users;
  }

  private nodeAuthenticator(): NodeSessionAuthenticator {
    if (!this.nodes) throw new AppError(500, 'ERR_INTERNAL', 'no node session authenticator registered');
    return this.nodes;
  }
}
