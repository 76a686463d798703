import { Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { UserAuthenticator } from '../../core/auth/authenticators';
import { HEADER_SESSION } from '../protocol';
import { SessionService } from '../session/session.service';

/** Who a request is, as far as a signature or a live session proves it; else its client IP. */
export interface VerifiedCaller {
  kind: 'user' | 'node' | 'anonymous';
  /** The rate-limit bucket: `user:<id>`, `session:<token>` or `ip:<address>`. */
  key: string;
  /** Registry id of the calling node (kind 'node'). */
  nodeId?: string;
}

/**
 * Identifies the caller before any work is spent on the request (rate limits, body limits): a
 * valid user JWT, else a live node session, else the client IP. Unverified credentials count as
 * anonymous, so made-up `Authorization` or `X-Session-Id` headers buy no fresh bucket and no larger
 * body. Resolved once per request.
 */
@Injectable()
export class CallerIdentity {
  private readonly resolved = new WeakMap<Request, Promise<VerifiedCaller>>();

  constructor(
    private readonly sessions: SessionService,
    @Optional() private readonly users?: UserAuthenticator,
  ) {}

  of(req: Request): Promise<VerifiedCaller> {
    let caller = this.resolved.get(req);
    if (!caller) {
      caller = this.resolve(req);
      this.resolved.set(req, caller);
    }
    return caller;
  }

  private async resolve(req: Request): Promise<VerifiedCaller> {
    const userId = await this.users?.verifiedUserId(req);
    if (userId) return { kind: 'user', key: `user:${userId}` };
    const token = req.header(HEADER_SESSION)?.trim();
    const session = token && token.length <= 200 ? await this.sessions.validate(token) : undefined;
    if (session) return { kind: 'node', key: `session:${session.sessionToken}`, nodeId: session.nodeId };
    return { kind: 'anonymous', key: `ip:${req.ip ?? 'unknown'}` };
  }
}
