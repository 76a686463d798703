/**
 * A failed call to a peer node. `status` is the HTTP status (0 when the peer was not reached);
 * `code` the peer's ERR_ code (or ERR_PEER_UNREACHABLE / ERR_PEER_TIMEOUT / ERR_PEER_PROTOCOL);
 * `retryable` says whether the same call may succeed later (network, 429, 5xx, expired channel).
 */
export class PeerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** Seconds to wait before retrying, when the peer said so. */
    readonly retryAfter?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'PeerError';
  }
}

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
