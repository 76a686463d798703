import { ErrorCode, httpStatusOf } from './error-codes';

/**
 * A domain or protocol error with a stable `ERR_…` code of the vocabulary (error-codes.ts).
 * Handlers throw these (never HttpException); the global filter turns them into HTTP responses in
 * one place.
 *
 * `shape` selects the reference's wire form: `flat` = `{error, message, ...details}` (session and
 * sync routes), `detail` = `{errorDetail: {code, message, details, retryable, retryAfter}}`
 * (channel and handshake routes, prism-reference.md §2.0).
 */
export type ErrorShape = 'flat' | 'detail';

/** A code this node did not choose: a peer's, passed on as the peer sent it (see AppError.relayed). */
export type RelayedCode = string & { readonly relayed: unique symbol };

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  shape?: ErrorShape;
  retryable?: boolean;
  /** Seconds; also sent as the Retry-After header. */
  retryAfter?: number;
  /** Send the body in plaintext even on an encrypted channel route (reference behaviour for filter errors). */
  plaintext?: boolean;
  /** Response headers the answer needs (e.g. Content-Range of a 416). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;
  readonly shape: ErrorShape;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly plaintext: boolean;
  readonly headers?: Record<string, string>;

  /** `status` must be the one error-codes.ts gives `code` (checked by the unit tier); prefer AppError.of. */
  constructor(
    readonly status: number,
    code: ErrorCode | RelayedCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.shape = options.shape ?? 'flat';
    this.retryable = options.retryable ?? false;
    this.retryAfter = options.retryAfter;
    this.plaintext = options.plaintext ?? false;
    this.headers = options.headers;
  }

  /** An error of the vocabulary, with the HTTP status it maps to. */
  static of(code: ErrorCode, message: string, options: AppErrorOptions = {}): AppError {
    return new AppError(httpStatusOf(code), code, message, options);
  }

  /** A peer's error code passed on unchanged (the peer's vocabulary, not ours), with our status. */
  static relayed(status: number, code: string, message: string, options: AppErrorOptions = {}): AppError {
    return new AppError(status, code as RelayedCode, message, options);
  }

  /** The same error (status, code, message, details) in another wire shape. */
  reshaped(shape: ErrorShape): AppError {
    return new AppError(this.status, this.code as RelayedCode, this.message, {
      shape,
      details: this.details,
      retryable: this.retryable,
      retryAfter: this.retryAfter,
      plaintext: this.plaintext,
      headers: this.headers,
      cause: this,
    });
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
