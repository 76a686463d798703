import type { AxiosError } from 'axios';
import { PeerError } from '../../core/errors/peer-error';

/** Reads `{errorDetail:{…}}` or `{error, message, retryAfter}` bodies (reference §2.0). */
export function peerErrorFromBody(status: number, body: unknown, retryAfterHeader?: string): PeerError {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const detail = (b.errorDetail && typeof b.errorDetail === 'object' ? b.errorDetail : undefined) as Record<string, unknown> | undefined;
  const code = String(detail?.code ?? b.error ?? `ERR_HTTP_${status}`);
  const message = String(detail?.message ?? b.message ?? (typeof body === 'string' && body ? body.slice(0, 500) : `peer answered HTTP ${status}`));
  const retryAfterRaw = retryAfterHeader ?? detail?.retryAfter ?? b.retryAfter;
  const retryAfter = retryAfterRaw === undefined || retryAfterRaw === null || Number.isNaN(Number(retryAfterRaw)) ? undefined : Number(retryAfterRaw);
  const retryable = status === 429 || status >= 500 || detail?.retryable === true || code === 'ERR_INVALID_CHANNEL' || code === 'ERR_INVALID_SESSION';
  return new PeerError(status, code, `${code}: ${message}`, retryable, retryAfter, body);
}

/** What the peer's registry status for this node means, for the operator who reads the failure. */
export function notAuthorizedMessage(status: unknown): string {
  if (status === 2) return 'the peer has not approved this node yet (Pending): its operator approves it';
  if (status === 3) return 'the peer has revoked this node (Revoked): only its operator can authorize it again';
  return `the peer has not authorized this node (registry status ${String(status)})`;
}

/** An answer larger than the limit (SYNC_PEER_ANSWER_MAX_BYTES): not retryable, the same answer would come again. */
export function answerTooLarge(target: { url: string; method: string }, maxBytes: number): PeerError {
  return new PeerError(0, 'ERR_PEER_ANSWER_TOO_LARGE', `${target.method} ${target.url}: the answer is larger than ${maxBytes} bytes (SYNC_PEER_ANSWER_MAX_BYTES)`, false);
}

/**
 * A call through axios that got no usable answer: over `maxBytes` (axios says so only in its
 * message), a timeout, or no connection (both retryable).
 */
export function peerErrorFromAxios(error: AxiosError, target: { method: string; url: string }, maxBytes: number): PeerError {
  if (/maxContentLength size of/.test(error.message)) return answerTooLarge(target, maxBytes);
  const timeout = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
  return new PeerError(0, timeout ? 'ERR_PEER_TIMEOUT' : 'ERR_PEER_UNREACHABLE', `${target.method} ${target.url}: ${error.message}`, true);
}
