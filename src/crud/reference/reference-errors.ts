import { AppError } from '../../core/errors/app-error';

/** Errors of reference actions in the reference's `Error` shape `{errorDetail: {code, message, details, …}}`, same status and code. */
export function referenceError(error: unknown): unknown {
  if (!(error instanceof AppError) || error.shape === 'detail') return error;
  return error.reshaped('detail');
}

