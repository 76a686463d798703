import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, map, Observable, switchMap } from 'rxjs';
import { AppError } from '../../core/errors/app-error';
import { RawJson } from '../../core/http/raw-json';
import { encryptBytes, encryptJson } from '../crypto/channel-crypto';
import { HEADER_CHANNEL, HEADER_SESSION } from '../protocol';
import { ChannelSessionAuthenticator } from '../session/node-session.authenticator';
import { NodeTrustRequest } from './channel-request';
import { ENCRYPTED_CHANNEL } from './encrypted-route';

/**
 * Global: encrypts the response of every request that arrived over a verified channel (the access
 * guard decrypted its body), echoes X-Session-Id, and writes `RawJson` bodies as is.
 * Streams (StreamableFile) pass through unencrypted: they are the additive file-download
 * extension, not part of the reference envelope.
 */
@Injectable()
export class ChannelCryptoInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly channelAuth: ChannelSessionAuthenticator,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>() as NodeTrustRequest;
    // IRIS sends every call (also user routes such as registry administration) over the channel:
    // a request carrying X-Channel-Id that its access rule did not already decrypt is decrypted here.
    if (!req.prismChannel && req.header(HEADER_CHANNEL)) {
      return from(this.channelAuth.authenticateChannel(req)).pipe(switchMap(() => this.handle(context, next, req)));
    }
    return this.handle(context, next, req);
  }

  private handle(context: ExecutionContext, next: CallHandler, req: NodeTrustRequest): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    const state = req.prismChannel;
    const marked = this.reflector.getAllAndOverride<boolean>(ENCRYPTED_CHANNEL, [context.getHandler(), context.getClass()]);
    if (marked && !state) throw new AppError(400, 'ERR_MISSING_CHANNEL_ID', 'X-Channel-Id header is required', { shape: 'detail', plaintext: true });
    if (!state) {
      return next.handle().pipe(
        map((value) => {
          if (!(value instanceof RawJson)) return value;
          res.type('application/json');
          return value.text;
        }),
      );
    }
    state.handlerStarted = true;
    // Echoed before the handler runs: a handler that streams its own answer (a file, @Res) has sent
    // its headers by the time its result would pass through here.
    if (req.nodeSession) res.setHeader(HEADER_SESSION, req.nodeSession.token);
    return next.handle().pipe(
      map((value) => {
        if (value === undefined || value === null || value instanceof StreamableFile) return value;
        if (value instanceof RawJson) return encryptBytes(state.key, Buffer.from(value.text, 'utf8'));
        return encryptJson(state.key, value);
      }),
    );
  }
}
