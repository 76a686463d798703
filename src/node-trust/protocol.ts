import { AppError } from '../core/errors/app-error';
import { ErrorCode } from '../core/errors/error-codes';

/** Protocol constants of the reference (prism-reference.md §2.7). */
export const PROTOCOL_VERSION = '1.0';
export const CHANNEL_TTL_MS = 30 * 60_000;
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const MIN_NONCE_BYTES = 12;
export const SERVER_NONCE_BYTES = 16;
export const CHALLENGE_BYTES = 32;
export const CHALLENGE_TTL_SECONDS = 300;
export const SESSION_TTL_SECONDS = 3600;
export const SUPPORTED_CIPHERS = ['AES-256-GCM'];

export const HEADER_CHANNEL = 'X-Channel-Id';
export const HEADER_SESSION = 'X-Session-Id';

/** The reference's `{errorDetail:{…}}` error (channel and handshake codes). */
export function detailError(
  status: number,
  code: ErrorCode,
  message: string,
  options: { retryable?: boolean; details?: Record<string, unknown>; plaintext?: boolean } = {},
): AppError {
  return new AppError(status, code, message, { shape: 'detail', ...options });
}
