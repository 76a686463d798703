import { HttpException } from '@nestjs/common';
import { AppError } from './app-error';
import { fromDatabaseError, isDatabaseError } from './database-errors';
import { codeOfHttpStatus } from './error-codes';
import { PeerError } from './peer-error';

/**
 * Where a failure surfaced, which decides what a database error or an unknown error means:
 * - `request`: at the HTTP edge. An integrity error is the client's fault (409/422/400); anything
 *   unknown is a bug (500 ERR_INTERNAL).
 * - `pull`: in a sync job. A database error means the peer's data could not be applied; a peer's
 *   error is passed on as the peer's code (502); a refusal (403) means the peer did not grant
 *   this node pulling.
 */
export type FailureContext = 'request' | 'pull';

/** The one failure classifier: anything thrown → an AppError with a stable code and message. */
export function classifyFailure(error: unknown, context: FailureContext, options: { cancelled?: boolean; cancelledBecause?: string } = {}): AppError {
  if (context === 'pull') return pullFailure(error, options.cancelled ?? false, options.cancelledBecause);
  if (error instanceof AppError) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    // Body-parser errors (malformed JSON, too large) arrive as HttpException with a status.
    return new AppError(status, codeOfHttpStatus(status), message);
  }
  const bodyParser = error as { type?: string; status?: number; message?: string };
  if (typeof bodyParser?.status === 'number' && bodyParser.status >= 400 && bodyParser.status < 500) {
    const code = bodyParser.type === 'entity.too.large' ? 'ERR_PAYLOAD_TOO_LARGE' : bodyParser.status === 415 ? 'ERR_UNSUPPORTED_MEDIA_TYPE' : 'ERR_MALFORMED_BODY';
    return new AppError(bodyParser.status, code, bodyParser.message ?? 'malformed request body');
  }
  return fromDatabaseError(error) ?? AppError.of('ERR_INTERNAL', 'internal error', { cause: error });
}

function pullFailure(error: unknown, cancelled: boolean, because?: string): AppError {
  if (cancelled) return AppError.of('ERR_SYNC_CANCELLED', `the pull was cancelled${because ? `: ${because}` : ''}`, { cause: error });
  if (error instanceof AppError) return error;
  if (error instanceof PeerError && error.status === 403) {
    return AppError.of(
      'ERR_INSUFFICIENT_CAPABILITY',
      `the peer refused: ${error.message} (pulling needs a ReadWrite or Admin grant from the peer)`,
      { cause: error },
    );
  }
  if (error instanceof PeerError) return AppError.relayed(502, error.code, error.message, { cause: error });
  if (isDatabaseError(error)) {
    const pg = error as { code: string; message?: string; detail?: string };
    return AppError.of('ERR_APPLY_FAILED', `applying the peer's data failed (${pg.code}): ${pg.message}${pg.detail ? ` — ${pg.detail}` : ''}`, {
      cause: error,
    });
  }
  return AppError.of('ERR_SYNC_FAILED', (error as Error)?.message ?? String(error), { cause: error });
}
