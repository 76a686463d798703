import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from './app-error';
import { classifyFailure } from './failure';

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
    if (error.status >= 500) {
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
