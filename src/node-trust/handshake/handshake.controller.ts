import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { RequireChannel } from '../../core/auth/access';
import { NodeTrustRequest } from '../channel/channel-request';
import { EncryptedChannel } from '../channel/encrypted-route';
import { HandshakeService } from './handshake.service';

const channelOf = (req: Request) => (req as NodeTrustRequest).prismChannel!.channel;

/** Phases 2-3 (reference NodeConnectionController): encrypted channel, no session yet. */
@ApiTags('handshake')
@Controller('api/node')
export class HandshakeController {
  constructor(private readonly handshake: HandshakeService) {}

  @RequireChannel()
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 2: identify by certificate' })
  @Post('identify')
  @HttpCode(200)
  identify(@Req() req: Request, @Body() body: unknown) {
    return this.handshake.identify(channelOf(req), body);
  }

  @RequireChannel()
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 2: register (Pending until approved)' })
  @Post('register')
  @HttpCode(200)
  register(@Req() req: Request, @Body() body: unknown) {
    return this.handshake.register(channelOf(req), body, req.ip);
  }

  @RequireChannel()
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 3: request a challenge' })
  @Post('challenge')
  @HttpCode(200)
  challenge(@Req() req: Request, @Body() body: unknown) {
    return this.handshake.challenge(channelOf(req), body);
  }

  @RequireChannel()
  @EncryptedChannel()
  @ApiOperation({ summary: 'Phase 3: answer the challenge, get a session' })
  @Post('authenticate')
  @HttpCode(200)
  authenticate(@Req() req: Request, @Body() body: unknown) {
    return this.handshake.authenticate(channelOf(req), body, req.ip);
  }
}
