/**
 * The node's one error type for a failed call to a peer node, raised by the node-trust client
 * and by the pull when a peer's answer cannot be used. `status` is the HTTP status (0 when no
 * usable HTTP answer arrived); `code` the peer's ERR_ code or ours (ERR_PEER_UNREACHABLE,
 * ERR_PEER_TIMEOUT, ERR_PEER_PROTOCOL, ERR_MALFORMED_PAGE, …); `retryable` says whether the same
 * call may succeed later (network, 429, 5xx, expired channel), honouring `retryAfter` seconds.
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
