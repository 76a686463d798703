import { ExecutionContext, Injectable } from '@nestjs/common';
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
import type { Request } from 'express';
import { AppConfig } from '../../config';
import { CallerIdentity, VerifiedCaller } from './caller-identity';
import { THROTTLE_STANDARD, THROTTLE_SYNC } from './throttle.decorators';

/**
 * One bucket per verified caller across all routes (the throttler's default key is per route):
 * `standard` counts per signed-in user (THROTTLE_USER_PER_MINUTE: a person working through the
 * desktop), else per node session, else per client IP (THROTTLE_STANDARD_PER_MINUTE, strict);
 * `sync` per authenticated node. Identity comes from CallerIdentity (a verified JWT or live session),
 * because global guards may run before the access guard.
 */
@Injectable()
export class NodeThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly callers: CallerIdentity,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const name = props.throttler.name ?? 'default';
    const caller = await this.callers.of(props.context.switchToHttp().getRequest<Request>());
    const tracker = name === THROTTLE_SYNC && caller.nodeId ? `node:${caller.nodeId}` : caller.key;
    return super.handleRequest({ ...props, limit: this.limitFor(name, caller, props.limit), getTracker: async () => tracker });
  }

  private limitFor(throttlerName: string, caller: VerifiedCaller, declared: number): number {
    const { standardPerMinute, userPerMinute } = this.config.throttle;
    if (caller.kind === 'user') return throttlerName === THROTTLE_STANDARD ? userPerMinute : declared;
    // An anonymous caller never gets a profile's larger budget (the sync routes refuse it anyway).
    if (caller.kind === 'anonymous') return Math.min(declared, standardPerMinute);
    return declared;
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
