import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticatedRequest, UserRole } from '../core/auth/access';
import { UserAuthenticator } from '../core/auth/authenticators';
import { AppError } from '../core/errors/app-error';
import { AuthTokens } from './auth-tokens';
import { UsersService } from './users.service';

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new AppError(401, 'ERR_INVALID_TOKEN', 'the Authorization header must be "Bearer <token>"');
  return match[1];
}

/** Verifies the Bearer JWT of @RequireUser routes and sets req.user (AccessGuard calls this). */
@Injectable()
export class JwtUserAuthenticator extends UserAuthenticator {
  constructor(
    private readonly tokens: AuthTokens,
    private readonly users: UsersService,
  ) {
    super();
  }

  async verifiedUserId(req: Request): Promise<string | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (!match) return undefined;
    return this.tokens.verify(match[1]).then((claims) => claims.id, () => undefined);
  }

  async authenticate(req: Request, roles: UserRole[]): Promise<void> {
    const token = bearerToken(req);
    if (!token) throw new AppError(401, 'ERR_NO_TOKEN', 'this route needs a user token (Authorization: Bearer <token>)');
    const claims = await this.tokens.verify(token);
    // The account may have been deleted or its role changed since the token was issued.
    const user = await this.users.accessOf(claims.id);
    if (!user) throw new AppError(401, 'ERR_INVALID_TOKEN', 'the token belongs to a user that no longer exists');
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw new AppError(403, 'ERR_FORBIDDEN_ROLE', `this route needs the role ${roles.join(' or ')}`, {
        details: { requiredRoles: roles, role: user.role },
      });
    }
    (req as AuthenticatedRequest).user = { id: user.id, login: user.login, role: user.role, researcherId: user.researcherId };
  }
}
