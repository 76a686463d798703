import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { AppError } from '../core/errors/app-error';
import { ExpiringSlots } from '../core/limits/expiring-slots';

/** Keys tracked at most per counter; beyond, the oldest failure is forgotten (memory stays bounded). */
const MAX_TRACKED_FAILURES = 100_000;

/**
 * Failed logins per login name and per client IP (LOGIN_FAILURES_PER_*): beyond either, logins are
 * refused with 429 before any password is hashed, so guessing costs the guesser, not the node.
 * In-process (replicas count separately).
 */
@Injectable()
export class LoginAttempts {
  private readonly byLogin: ExpiringSlots;
  private readonly byIp: ExpiringSlots;
  private readonly windowSeconds: number;

  constructor(config: AppConfig) {
    const { loginFailuresPerLogin, loginFailuresPerIp, loginFailureWindowSeconds } = config.throttle;
    const ttlMs = loginFailureWindowSeconds * 1000;
    this.byLogin = new ExpiringSlots({ perKey: loginFailuresPerLogin, total: MAX_TRACKED_FAILURES, ttlMs });
    this.byIp = new ExpiringSlots({ perKey: loginFailuresPerIp, total: MAX_TRACKED_FAILURES, ttlMs });
    this.windowSeconds = loginFailureWindowSeconds;
  }

  /** Runs `verify` unless this login or IP failed too often; counts its failure. */
  async guard<T>(login: string, clientIp: string | undefined, verify: () => Promise<T>): Promise<T> {
    const ip = clientIp ?? 'unknown';
    if (this.byLogin.count(login) >= this.byLogin.limits.perKey || this.byIp.count(ip) >= this.byIp.limits.perKey) {
      throw new AppError(429, 'ERR_RATE_LIMIT_EXCEEDED', 'Too many failed logins; try again later.', { retryAfter: this.windowSeconds });
    }
    try {
      return await verify();
    } catch (error) {
      if (error instanceof AppError && error.code === 'ERR_INVALID_CREDENTIALS') {
        this.byLogin.record(login);
        this.byIp.record(ip);
      }
      throw error;
    }
  }
}
