import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from './app-error';
import { classifyFailure } from './failure';

/**
 * A peer this node called could not be reached or did not answer in time: the operator's input
 * or the peer's state, not a fault of this node. Logged as a warning without a stack trace
 * (the request line too: `res.locals[PEER_FAILURE]` holds the code for the HTTP logger).
 */
const PEER_NETWORK_CODES = new Set(['ERR_PEER_UNREACHABLE', 'ERR_PEER_TIMEOUT']);
export const PEER_FAILURE = 'prismPeerFailure';

/** Transforms the body of an error response (the encrypted channel plugs in here). */
export type ErrorBodyEncoder = (req: Request, error: AppError, body: Record<string, unknown>) => unknown;

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly encoder?: ErrorBodyEncoder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const error = classifyFailure(exception, 'request');
    if (PEER_NETWORK_CODES.has(error.code)) {
      this.logger.warn(`${req.method} ${req.url}: ${error.message} (${error.code})`);
      if (res.locals) res.locals[PEER_FAILURE] = error.code;
    } else if (error.status >= 500) {
      this.logger.error(`${req.method} ${req.url}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    const body = error.toBody();
    res.status(error.status).json(this.encoder ? this.encoder(req, error, body) : body);
  }
}
