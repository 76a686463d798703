import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from './app-error';
import { fromDatabaseError } from './database-errors';

/** Transforms the body of an error response (the encrypted channel plugs in here). */
export type ErrorBodyEncoder = (req: Request, error: AppError, body: Record<string, unknown>) => unknown;

const HTTP_CODES: Record<number, string> = {
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

/** Maps anything thrown to a stable `ERR_…` body; unknown errors are logged and become 500. */
export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : String((response as { message?: unknown }).message ?? exception.message);
    // Body-parser errors (malformed JSON, too large) arrive as HttpException with a status.
    return new AppError(status, HTTP_CODES[status] ?? (status >= 500 ? 'ERR_INTERNAL' : 'ERR_BAD_REQUEST'), message);
  }
  const bodyParser = exception as { type?: string; status?: number; message?: string };
  if (typeof bodyParser?.status === 'number' && bodyParser.status >= 400 && bodyParser.status < 500) {
    const code = bodyParser.type === 'entity.too.large' ? 'ERR_PAYLOAD_TOO_LARGE' : 'ERR_MALFORMED_BODY';
    return new AppError(bodyParser.status, code, bodyParser.message ?? 'malformed request body');
  }
  const fromDb = fromDatabaseError(exception);
  if (fromDb) return fromDb;
  return new AppError(500, 'ERR_INTERNAL', 'internal error', { cause: exception });
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly encoder?: ErrorBodyEncoder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const error = toAppError(exception);
    if (error.status >= 500) {
      this.logger.error(`${req.method} ${req.url}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
    const body = error.toBody();
    res.status(error.status).json(this.encoder ? this.encoder(req, error, body) : body);
  }
}
