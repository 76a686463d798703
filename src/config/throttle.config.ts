import { EnvReader } from './env-reader';

export interface ThrottleConfig {
  /** Standard routes, per node session or (anonymous) per client IP. */
  standardPerMinute: number;
  /** Standard routes, per signed-in user (a valid JWT): sized for a person using the desktop. */
  userPerMinute: number;
  syncPerMinute: number;
  /** Shared state for channels, sessions, challenges and throttle counters (replicas). */
  redisUrl?: string;
  /** Prefix of every Redis key of this node (replicas of one node share it). */
  redisKeyPrefix: string;
}

export function readThrottleConfig(env: EnvReader): ThrottleConfig {
  return {
    standardPerMinute: env.int('THROTTLE_STANDARD_PER_MINUTE', 'requests per minute per node session, or per client IP for anonymous callers, on standard routes', 60, 1),
    userPerMinute: env.int('THROTTLE_USER_PER_MINUTE', 'requests per minute per signed-in user (valid JWT) on standard routes', 600, 1),
    syncPerMinute: env.int('THROTTLE_SYNC_PER_MINUTE', 'requests per minute per authenticated node on /api/sync/*', 600, 1),
    redisUrl: env.url('REDIS_URL', 'Redis for channels, sessions, challenges and rate limits shared by replicas', [
      'redis:',
      'rediss:',
    ]),
    redisKeyPrefix: env.str('REDIS_KEY_PREFIX', 'prefix of this node\'s Redis keys (replicas of one node share it)', 'prism:'),
  };
}
