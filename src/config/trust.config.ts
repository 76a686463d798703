import { EnvReader } from './env-reader';

/** Bounds on what anonymous registrants and authenticated peers can make the registry and sessions hold. */
export interface TrustConfig {
  /** New registrations accepted per client IP per hour. */
  registrationsPerIpPerHour: number;
  /** Registration requests (new nodes and requested changes) waiting for an Admin, at most. */
  maxPendingRegistrations: number;
  /** A registration request nobody approved expires after this many hours. */
  pendingRegistrationTtlHours: number;
  /** A session is never renewed beyond this many seconds after it was created. */
  sessionMaxLifetimeSeconds: number;
}

export function readTrustConfig(env: EnvReader): TrustConfig {
  return {
    registrationsPerIpPerHour: env.int('REGISTRATIONS_PER_IP_PER_HOUR', 'new node registrations accepted per client IP per hour', 10, 1),
    maxPendingRegistrations: env.int(
      'MAX_PENDING_REGISTRATIONS',
      'registration requests (new nodes and requested changes) waiting for an Admin, at most',
      100,
      1,
    ),
    pendingRegistrationTtlHours: env.int('PENDING_REGISTRATION_TTL_HOURS', 'hours after which an unapproved registration request expires', 168, 1),
    sessionMaxLifetimeSeconds: env.int('SESSION_MAX_LIFETIME_SECONDS', 'a node session is never renewed beyond this age (seconds)', 14_400, 3600),
  };
}
