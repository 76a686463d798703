import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoInstance } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AppConfig } from '../config';
import { PEER_FAILURE } from '../core/errors/all-exceptions.filter';
import { currentLogContext } from '../core/log-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Injection token of the node's root pino logger (one per application: two nodes can share a process). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * The node's root logger: JSON lines with ISO time, level name, node id, and the sync job id of the
 * current async context; to stdout, or LOG_FILE. LOG_LEVEL=silent writes nothing (tests).
 */
export function createRootLogger(config: AppConfig): PinoInstance {
  const options: pino.LoggerOptions = {
    level: config.server.logLevel,
    base: { nodeId: config.node.nodeId, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => ({ ...currentLogContext() }),
  };
  if (!config.server.logFile) return pino(options);
  return pino(options, pino.destination({ dest: config.server.logFile, append: true, mkdir: true, sync: true }));
}

/** A caller's X-Request-Id when it looks sane (so a desktop/proxy id follows the request), else a UUID. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The code of the peer failure AllExceptionsFilter answered this request with, if it did. */
function peerFailure(res: ServerResponse): string | undefined {
  return (res as ServerResponse & { locals?: Record<string, unknown> }).locals?.[PEER_FAILURE] as string | undefined;
}

/** pino-http: request id on every line of a request, one summary line per request, no headers logged (tokens). */
export function httpLoggerOptions(logger: PinoInstance): PinoHttpOptions {
  return {
    logger,
    genReqId: requestId,
    quietReqLogger: true,
    customLogLevel: (req, res, error) => {
      if (peerFailure(res)) return 'warn';
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return req.url === '/metrics' || req.url?.startsWith('/health') ? 'debug' : 'info';
    },
    // A peer that could not be reached (AllExceptionsFilter logged why): its code, no stack trace.
    customErrorObject: (_req, res, _error, value: Record<string, unknown>) => {
      const code = peerFailure(res);
      return code ? { ...value, err: undefined, code } : value;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/**
 * Nest's start-up chatter (one line per module and per route, ~280 lines) is written at debug level:
 * useful when wiring is in question, noise on every start.
 */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's LoggerService over a pino instance: every `new Logger(context)` of the modules writes JSON lines. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoInstance) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    if (level === 'info' && context !== undefined && START_UP_CONTEXTS.has(context)) level = 'debug';
    // Nest's Logger.error(message, stack, context): keep the stack it passes.
    const stack = level === 'error' && params.length >= 2 && typeof params[0] === 'string' ? params[0] : undefined;
    if (message instanceof Error) this.logger[level]({ context, err: message }, message.message);
    else if (stack !== undefined) this.logger[level]({ context, stack }, String(message));
    else if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
}
