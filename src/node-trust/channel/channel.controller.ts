import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../core/auth/access';
import { HEADER_CHANNEL } from '../protocol';
import { NoThrottle } from '../throttling/throttle.decorators';
import { ChannelService } from './channel.service';

/** Phase 1 (reference ChannelController). */
@ApiTags('handshake')
@Controller('api/channel')
export class ChannelController {
  constructor(private readonly channels: ChannelService) {}

  @Public()
  @ApiOperation({ summary: 'Phase 1: open an encrypted channel (ECDH, HKDF, AES-256-GCM)' })
  @Post('open')
  @HttpCode(200)
  async open(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { channelId, response } = await this.channels.open(body, req.ip);
    res.setHeader(HEADER_CHANNEL, channelId);
    return response;
  }

  @Public()
  @NoThrottle()
  @ApiOperation({ summary: 'Channel service health' })
  @Get('health')
  health() {
    return { status: 'healthy', timestamp: new Date().toISOString() };
  }

  @Public()
  @ApiOperation({ summary: 'Information about a channel' })
  @Get(':channelId')
  info(@Param('channelId') channelId: string) {
    return this.channels.info(channelId);
  }
}
