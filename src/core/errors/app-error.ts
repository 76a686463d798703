/**
 * A domain or protocol error with a stable `ERR_…` code. Handlers throw these (never
 * HttpException); the global filter turns them into HTTP responses in one place.
 *
 * `shape` selects the reference's wire form: `flat` = `{error, message, ...details}` (session and
 * sync routes), `detail` = `{errorDetail: {code, message, details, retryable, retryAfter}}`
 * (channel and handshake routes, prism-reference.md §2.0).
 */
export type ErrorShape = 'flat' | 'detail';

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  shape?: ErrorShape;
  retryable?: boolean;
  /** Seconds; also sent as the Retry-After header. */
  retryAfter?: number;
  /** Send the body in plaintext even on an encrypted channel route (reference behaviour for filter errors). */
  plaintext?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly details?: Record<string, unknown>;
  readonly shape: ErrorShape;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly plaintext: boolean;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details;
    this.shape = options.shape ?? 'flat';
    this.retryable = options.retryable ?? false;
    this.retryAfter = options.retryAfter;
    this.plaintext = options.plaintext ?? false;
  }

  toBody(): Record<string, unknown> {
    if (this.shape === 'detail') {
      return {
        errorDetail: {
          code: this.code,
          message: this.message,
          details: this.details ?? null,
          retryable: this.retryable,
          retryAfter: this.retryAfter === undefined ? null : String(this.retryAfter),
        },
      };
    }
    return {
      error: this.code,
      message: this.message,
      ...(this.retryAfter === undefined ? {} : { retryAfter: this.retryAfter }),
      ...(this.details ?? {}),
    };
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, { details });
export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(404, code, message, { details });
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, { details });
