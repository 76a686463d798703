import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config';
import { AuthenticatedUser, UserRole } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';

interface TokenClaims {
  sub: string;
  login: string;
  role: UserRole;
}

/**
 * The reference's profile claims of a user linked to a researcher (iris-desktop-api.md §2.2): IRIS
 * decodes the token and shows `name` and `email`. Informational only; never used for access.
 */
export interface ResearcherClaims {
  researcherId: string;
  name: string;
  email: string;
  orcid: string;
}

export interface IssuedToken {
  token: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
}

/** Mints and checks user JWTs (HS256, lifetime JWT_TTL_SECONDS). */
@Injectable()
export class AuthTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async issue(user: AuthenticatedUser, profile?: ResearcherClaims): Promise<IssuedToken> {
    const ttl = this.config.auth.jwtTtlSeconds;
    const claims: TokenClaims & Partial<ResearcherClaims> = { sub: user.id, login: user.login, role: user.role, ...profile };
    // jti (as the reference): two tokens issued in the same second still differ (refresh).
    const token = await this.jwt.signAsync(claims, { expiresIn: ttl, algorithm: 'HS256', jwtid: randomUUID() });
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The claims of a valid token; 401 ERR_TOKEN_EXPIRED or ERR_INVALID_TOKEN otherwise. */
  async verify(token: string): Promise<AuthenticatedUser> {
    try {
      const claims = await this.jwt.verifyAsync<TokenClaims>(token, { algorithms: ['HS256'] });
      if (typeof claims.sub !== 'string' || typeof claims.login !== 'string') throw new Error('claims');
      return { id: claims.sub, login: claims.login, role: claims.role };
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError') {
        throw new AppError(401, 'ERR_TOKEN_EXPIRED', 'the token has expired; log in again');
      }
      throw new AppError(401, 'ERR_INVALID_TOKEN', 'the token is not valid');
    }
  }
}
