/**
 * The node's error-code vocabulary: every `ERR_…` code it answers with, and the HTTP status each
 * one maps to. AppError only takes these codes; `AppError.of(code, …)` reads the status here, and
 * the fast test tier checks that every `new AppError(status, code, …)` and `detailError(status,
 * code, …)` in src names the status this table gives.
 *
 * A code with a list has one status per context, the first one the default: the reference answers
 * its handshake failures with 400 where our own routes use the more precise status.
 */
export const ERROR_STATUS = {
  // input
  ERR_VALIDATION: 400,
  ERR_BAD_REQUEST: 400,
  ERR_MALFORMED_BODY: 400,
  ERR_WEAK_PASSWORD: 400,
  ERR_INVALID_TOKEN_FORMAT: 400,
  ERR_UNKNOWN_ENTITY_TYPE: 400,
  ERR_INVALID_STATUS: 400,
  ERR_INVALID_STATUS_TRANSITION: 400,
  ERR_SELF_CONNECTION: 400,
  ERR_CHANNEL_REQUIRED: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_FILE_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_RANGE_NOT_SATISFIABLE: 416,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_NOT_ACCEPTABLE: 406,
  // identity and access
  ERR_UNAUTHORIZED: 401,
  ERR_NO_TOKEN: 401,
  ERR_INVALID_TOKEN: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_INVALID_CREDENTIALS: 401,
  ERR_FORBIDDEN: 403,
  ERR_FORBIDDEN_ROLE: 403,
  ERR_ACCESS_NOT_DECLARED: 403,
  ERR_INSUFFICIENT_PERMISSIONS: 403,
  ERR_INSUFFICIENT_CAPABILITY: 403,
  ERR_RATE_LIMIT_EXCEEDED: 429,
  // the PRISM handshake, channel and sessions (reference statuses)
  ERR_MISSING_CHANNEL_ID: 400,
  ERR_INVALID_PAYLOAD: 400,
  ERR_DECRYPTION_FAILED: 400,
  ERR_INVALID_CHANNEL: 400,
  ERR_CHANNEL_FAILED: 400,
  ERR_INCOMPATIBLE_VERSION: 400,
  ERR_INVALID_TIMESTAMP: 400,
  ERR_INVALID_NONCE: 400,
  ERR_INVALID_EPHEMERAL_KEY: 400,
  ERR_CHANNEL_NOT_FOUND: 404,
  ERR_INVALID_SIGNATURE: 400,
  ERR_INVALID_CHALLENGE_RESPONSE: 400,
  ERR_NODE_NOT_IDENTIFIED: 400,
  ERR_NODE_NOT_REGISTERED: 400,
  ERR_REGISTRATION_FAILED: 400,
  ERR_NO_SESSION_TOKEN: 401,
  ERR_EMPTY_TOKEN: 401,
  ERR_INVALID_SESSION: 401,
  ERR_SESSION_RENEWAL_FAILED: 401,
  ERR_SESSION_REVOCATION_FAILED: 400,
  // registry integrity and peer identity beyond the reference (docs/security.md)
  ERR_NODE_REVOKED: 403,
  ERR_REGISTRATION_LIMIT: 429,
  ERR_TRANSCRIPT_SIGNATURE_REQUIRED: 400,
  ERR_PEER_IDENTITY_MISMATCH: 502,
  ERR_NO_REQUESTED_CHANGE: 409,
  // resources
  ERR_NOT_FOUND: 404,
  ERR_FILE_NOT_FOUND: 404,
  ERR_RECORDING_NOT_FOUND: 404,
  ERR_JOB_NOT_FOUND: 404,
  ERR_NODE_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_UNIQUE_VIOLATION: 409,
  ERR_STILL_REFERENCED: 409,
  ERR_LOGIN_TAKEN: 409,
  ERR_CANNOT_DELETE_SELF: 409,
  ERR_NODE_EXISTS: 409,
  ERR_UNPROCESSABLE: 422,
  ERR_REFERENCE_NOT_FOUND: 422,
  ERR_CHECKSUM_MISMATCH: 422,
  // peers and sync
  ERR_NODE_NOT_AUTHORIZED: [409, 400],
  ERR_NODE_URL_MISSING: 409,
  ERR_SYNC_IN_PROGRESS: 409,
  ERR_SYNC_CANCELLED: 409,
  ERR_JOB_NOT_RUNNING: 409,
  ERR_CONFLICT_ROW_CHANGED: 409,
  ERR_CONFLICT_ALREADY_RESTORED: 409,
  ERR_CONFLICT_NOT_RESTORABLE: 409,
  ERR_PUSH_NOT_ALLOWED: 403,
  ERR_PUSH_UNSUPPORTED: 409,
  ERR_BEHIND_HORIZON: 409,
  ERR_PROTOCOL_MISMATCH: 409,
  ERR_SCHEMA_MISMATCH: 409,
  ERR_CLOCK_SKEW: 409,
  ERR_WINDOW_EXPIRED: 410,
  ERR_TOO_MANY_WINDOWS: 503,
  ERR_NODE_BUSY: 503,
  ERR_PEER_UNREACHABLE: 502,
  ERR_PEER_TIMEOUT: 502,
  ERR_PEER_PROTOCOL: 502,
  ERR_PEER_ANSWER_TOO_LARGE: 502,
  ERR_PEER_REGISTRATION_FAILED: 502,
  ERR_MALFORMED_PAGE: 502,
  ERR_FILE_CHECKSUM_MISMATCH: 502,
  ERR_FILE_TRANSFER: 502,
  ERR_APPLY_FAILED: 502,
  ERR_SYNC_FAILED: 502,
  ERR_INTERRUPTED: 500,
  // offline bundles (docs/bundles.md)
  ERR_BUNDLE_MALFORMED: 400,
  ERR_BUNDLE_UNKNOWN_NODE: 403,
  ERR_BUNDLE_WRONG_RECIPIENT: 422,
  ERR_BUNDLE_SIGNATURE_INVALID: 422,
  ERR_BUNDLE_TAMPERED: 422,
  ERR_BUNDLE_ALREADY_APPLIED: 409,
  ERR_BUNDLE_STALE: 409,
  ERR_BUNDLE_GAP: 409,
  ERR_NODE_CERTIFICATE_MISSING: 409,
  // the reference's REST API (IRIS): its own not-found, conflict and upload codes
  ERR_ALLERGY_INTOLERANCE_NOT_FOUND: 404,
  ERR_ANNOTATION_NOT_FOUND: 404,
  ERR_APPLICATION_NOT_FOUND: 404,
  ERR_CLINICAL_CONDITION_NOT_FOUND: 404,
  ERR_CLINICAL_EVENT_NOT_FOUND: 404,
  ERR_CLINICAL_SESSION_NOT_FOUND: 404,
  ERR_DEVICE_NOT_FOUND: 404,
  ERR_MEDICATION_NOT_FOUND: 404,
  ERR_RESEARCHER_NOT_FOUND: 404,
  ERR_RESEARCH_DEVICE_NOT_FOUND: 404,
  ERR_RESEARCH_NOT_FOUND: 404,
  ERR_RESEARCH_RESEARCHER_NOT_FOUND: 404,
  ERR_RESEARCH_VOLUNTEER_NOT_FOUND: 404,
  ERR_SENSOR_NOT_FOUND: 404,
  ERR_SESSION_NOT_FOUND: 404,
  ERR_SNOMED_BODY_REGION_NOT_FOUND: 404,
  ERR_SNOMED_BODY_STRUCTURE_NOT_FOUND: 404,
  ERR_TOPOGRAPHICAL_MODIFIER_NOT_FOUND: 404,
  ERR_USER_NOT_FOUND: 404,
  ERR_VOLUNTEER_NOT_FOUND: 404,
  ERR_DEVICE_ALREADY_ASSIGNED: 409,
  ERR_RESEARCHER_ALREADY_ASSIGNED: 409,
  ERR_VOLUNTEER_ALREADY_ENROLLED: 409,
  ERR_NOT_IN_RESEARCH: 403,
  ERR_EXPORT_TOO_LARGE: 413,
  ERR_INVALID_FILE_DATA: 400,
  ERR_UPLOAD_VALIDATION_FAILED: 400,
  // bugs
  ERR_INTERNAL: 500,
} as const satisfies Record<`ERR_${string}`, number | readonly number[]>;

export type ErrorCode = keyof typeof ERROR_STATUS;

type Statuses<C extends ErrorCode> = (typeof ERROR_STATUS)[C] extends readonly (infer S)[] ? S : (typeof ERROR_STATUS)[C];

/** The HTTP statuses a code may be answered with (its first is the default). */
export type StatusOf<C extends ErrorCode> = Statuses<C> & number;

/** The one mapper from an error code to its (default) HTTP status. */
export function httpStatusOf(code: ErrorCode): number {
  const status: number | readonly number[] = ERROR_STATUS[code];
  return typeof status === 'number' ? status : status[0];
}

/** Whether `status` is one this code is answered with. */
export function isStatusOf(code: ErrorCode, status: number): boolean {
  const statuses: number | readonly number[] = ERROR_STATUS[code];
  return typeof statuses === 'number' ? statuses === status : statuses.includes(status);
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** The code of a bare HTTP status (framework errors without a code of their own). */
export function codeOfHttpStatus(status: number): ErrorCode {
  const generic: Record<number, ErrorCode> = {
    400: 'ERR_BAD_REQUEST',
    401: 'ERR_UNAUTHORIZED',
    403: 'ERR_FORBIDDEN',
    404: 'ERR_NOT_FOUND',
    405: 'ERR_METHOD_NOT_ALLOWED',
    406: 'ERR_NOT_ACCEPTABLE',
    409: 'ERR_CONFLICT',
    413: 'ERR_PAYLOAD_TOO_LARGE',
    415: 'ERR_UNSUPPORTED_MEDIA_TYPE',
    416: 'ERR_RANGE_NOT_SATISFIABLE',
    422: 'ERR_UNPROCESSABLE',
    429: 'ERR_RATE_LIMIT_EXCEEDED',
  };
  return generic[status] ?? (status >= 500 ? 'ERR_INTERNAL' : 'ERR_BAD_REQUEST');
}
