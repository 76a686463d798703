import { EnvReader } from './env-reader';

export interface AuthConfig {
  /** HMAC secret for user JWTs; when unset a random secret is generated and kept in DATA_DIR. */
  jwtSecret?: string;
  jwtTtlSeconds: number;
  /** log2 of scrypt's N for new password hashes (17 = OWASP); lower only in tests. */
  passwordHashCost: number;
}

export function readAuthConfig(env: EnvReader): AuthConfig {
  const jwtSecret = env.optional('JWT_SECRET', 'secret signing user JWTs (default: generated and stored in DATA_DIR)');
  if (jwtSecret !== undefined && jwtSecret.length < 32) env.problems.push('JWT_SECRET must be at least 32 characters');
  return {
    jwtSecret,
    jwtTtlSeconds: env.int('JWT_TTL_SECONDS', 'lifetime of a user JWT in seconds', 3600, 60, 30 * 24 * 3600),
    passwordHashCost: env.int(
      'PASSWORD_HASH_COST',
      'log2 of the scrypt N of password hashes (17 = OWASP, 128 MiB per hash; older hashes are rehashed at login); below 17 only for tests',
      17,
      14,
      20,
    ),
  };
}
