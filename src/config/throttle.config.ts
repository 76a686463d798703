import { EnvReader } from './env-reader';

export interface ThrottleConfig {
  /** Standard routes, per node session or (anonymous) per client IP. */
  standardPerMinute: number;
  /** Standard routes, per signed-in user (a valid JWT): sized for a person using the desktop. */
  userPerMinute: number;
  syncPerMinute: number;
  /** Failed logins counted per login name and per client IP over `loginFailureWindowSeconds`. */
  loginFailuresPerLogin: number;
  loginFailuresPerIp: number;
  loginFailureWindowSeconds: number;
  /** Live (unexpired) encrypted channels one client IP may hold, and this process in total. */
  channelsPerIp: number;
  channelsTotal: number;
  /** JSON body limits (bytes, after gzip inflation): anonymous callers, verified callers, the base64 recording upload. */
  jsonBodyAnonymousBytes: number;
  jsonBodyBytes: number;
  jsonUploadBodyBytes: number;
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
    loginFailuresPerLogin: env.int('LOGIN_FAILURES_PER_LOGIN', 'failed logins of one login name before its logins are refused (429) for the window', 10, 1),
    loginFailuresPerIp: env.int('LOGIN_FAILURES_PER_IP', 'failed logins from one client IP before its logins are refused (429) for the window', 30, 1),
    loginFailureWindowSeconds: env.int('LOGIN_FAILURE_WINDOW_SECONDS', 'how long a failed login counts', 900, 1),
    channelsPerIp: env.int('CHANNELS_PER_IP', 'live encrypted channels one client IP may hold (30 min each; 429 beyond)', 100, 1),
    channelsTotal: env.int('CHANNELS_TOTAL', 'live encrypted channels this process holds at most (503 beyond)', 5000, 1),
    jsonBodyAnonymousBytes: env.int('JSON_BODY_LIMIT_ANONYMOUS_BYTES', 'largest JSON body (after inflation) from a caller without a valid user token or node session; compressed bodies refused', 65536, 1024),
    jsonBodyBytes: env.int('JSON_BODY_LIMIT_BYTES', 'largest JSON body (after inflation) from a verified caller', 1048576, 1024),
    jsonUploadBodyBytes: env.int('JSON_UPLOAD_BODY_LIMIT_BYTES', 'largest JSON body of the base64 recording upload (POST /api/Upload/recording); larger files use the streamed PUT', 33554432, 1024),
    redisUrl: env.url('REDIS_URL', 'Redis for channels, sessions, challenges and rate limits shared by replicas', [
      'redis:',
      'rediss:',
    ]),
    redisKeyPrefix: env.str('REDIS_KEY_PREFIX', 'prefix of this node\'s Redis keys (replicas of one node share it)', 'prism:'),
  };
}
