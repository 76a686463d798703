import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle } from '@nestjs/throttler';

/** Named throttle profiles (ThrottlerModule config in node-trust.module.ts). */
export const THROTTLE_STANDARD = 'standard';
export const THROTTLE_SYNC = 'sync';
const SYNC_ENDPOINT = 'prism:sync-endpoint';

/**
 * A sync route (reference [PrismSyncEndpoint]): counted in the `sync` profile (600/min per
 * authenticated node) instead of `standard`.
 */
export const SyncEndpoint = () => applyDecorators(SetMetadata(SYNC_ENDPOINT, true), SkipThrottle({ [THROTTLE_STANDARD]: true }));

/** Not rate limited at all (health checks, static assets). */
export const NoThrottle = () => SkipThrottle({ [THROTTLE_STANDARD]: true, [THROTTLE_SYNC]: true });

const reflector = new Reflector();

export function isSyncEndpoint(context: ExecutionContext): boolean {
  return !!reflector.getAllAndOverride<boolean>(SYNC_ENDPOINT, [context.getHandler(), context.getClass()]);
}
