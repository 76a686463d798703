import { ExecutionContext, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { AppError } from '../../core/errors/app-error';
import { NodeTrustRequest } from '../channel/channel-request';
import { HEADER_SESSION } from '../protocol';
import { SessionService } from '../session/session.service';
import { THROTTLE_SYNC } from './throttle.decorators';

/**
 * `standard` counts per node session, else per user token, else per IP; `sync` per authenticated node. The
 * session is looked up from X-Session-Id here because global guards may run before the access
 * guard. One bucket per tracker across all routes (the throttler's default key is per route).
 */
@Injectable()
export class NodeThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly sessions: SessionService,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const name = props.throttler.name ?? 'default';
    return super.handleRequest({ ...props, getTracker: (req) => this.trackerFor(name, req as NodeTrustRequest) });
  }

  private async trackerFor(throttlerName: string, req: NodeTrustRequest): Promise<string> {
    const token = req.nodeSession?.token ?? req.header?.(HEADER_SESSION)?.trim();
    const session = token ? await this.sessions.validate(token) : undefined;
    if (!session) {
      // A user (Bearer JWT) counts on its own, not on a NAT-shared IP; an invalid token is refused
      // by the access guard anyway.
      if (req.user) return `user:${req.user.id}`;
      const authorization = req.header?.('authorization');
      if (authorization?.startsWith('Bearer ')) return `bearer:${createHash('sha256').update(authorization).digest('base64url')}`;
      return `ip:${req.ip ?? 'unknown'}`;
    }
    return throttlerName === THROTTLE_SYNC ? `node:${session.nodeId}` : `session:${session.sessionToken}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppError(429, 'ERR_RATE_LIMIT_EXCEEDED', `Too many requests. Maximum ${detail.limit} requests per minute.`, {
      retryAfter: detail.timeToBlockExpire,
      plaintext: true,
    });
  }
}
