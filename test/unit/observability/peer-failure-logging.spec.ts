import type { ArgumentsHost } from '@nestjs/common';
import { Logger, LoggerService } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import pino from 'pino';
import { AppError } from '../../../src/core/errors/app-error';
import { AllExceptionsFilter, PEER_FAILURE } from '../../../src/core/errors/all-exceptions.filter';
import { httpLoggerOptions } from '../../../src/observability/logging';

/**
 * `peer:add --peer-url` of a peer that is down answers 502 ERR_PEER_UNREACHABLE: the operator's
 * input or the peer's state, not a fault of this node. It was two error-level lines with stack
 * traces (the exception filter's and the request line's); it is a warning without a stack.
 */
describe('a peer that cannot be reached is a warning in the log, not an error with a stack trace', () => {
  const lines: Array<{ level: string; message: string }> = [];
  const capture = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
  const logger: LoggerService = { log: capture('log'), warn: capture('warn'), error: capture('error'), debug: capture('debug'), verbose: capture('verbose') };
  beforeAll(() => Logger.overrideLogger(logger));
  afterAll(() => Logger.overrideLogger(false));
  beforeEach(() => (lines.length = 0));

  function answer(exception: unknown) {
    const sent: { status?: number; body?: unknown } = {};
    const res = { locals: {} as Record<string, unknown>, headersSent: false, setHeader: () => undefined, status: (s: number) => ((sent.status = s), res), json: (b: unknown) => ((sent.body = b), res) };
    const req = { method: 'POST', url: '/api/node/connect' };
    const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as unknown as ArgumentsHost;
    new AllExceptionsFilter().catch(exception, host);
    return { res, sent };
  }

  it('the exception filter: one warning naming the code, and the response marked for the request line', () => {
    const { res, sent } = answer(new AppError(502, 'ERR_PEER_UNREACHABLE', 'cannot read the identity of http://127.0.0.1:3999: connect ECONNREFUSED 127.0.0.1:3999'));
    expect(sent.status).toBe(502);
    expect(lines).toEqual([{ level: 'warn', message: 'POST /api/node/connect: cannot read the identity of http://127.0.0.1:3999: connect ECONNREFUSED 127.0.0.1:3999 (ERR_PEER_UNREACHABLE)' }]);
    expect(res.locals[PEER_FAILURE]).toBe('ERR_PEER_UNREACHABLE');
  });

  it('a fault of the node itself stays an error with its stack trace', () => {
    const { res } = answer(new Error('boom'));
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('error');
    expect(lines[0].message).toMatch(/^POST \/api\/node\/connect: Error: boom\n\s+at /);
    expect(res.locals[PEER_FAILURE]).toBeUndefined();
  });

  it('the request line: warn with the code and no error object for a marked 502, error otherwise', () => {
    const options = httpLoggerOptions(pino({ level: 'silent' }));
    const marked = { statusCode: 502, locals: { [PEER_FAILURE]: 'ERR_PEER_UNREACHABLE' } } as unknown as ServerResponse;
    const plain = { statusCode: 502, locals: {} } as unknown as ServerResponse;
    const req = { url: '/api/node/connect' } as never;
    const failed = new Error('failed with status code 502');
    expect(options.customLogLevel!(req, marked, failed)).toBe('warn');
    expect(options.customLogLevel!(req, plain, failed)).toBe('error');
    const value = { res: marked, err: failed, responseTime: 3 };
    expect(options.customErrorObject!(req, marked, failed, value)).toEqual({ res: marked, err: undefined, code: 'ERR_PEER_UNREACHABLE', responseTime: 3 });
    expect(options.customErrorObject!(req, plain, failed, value)).toBe(value);
  });
});
