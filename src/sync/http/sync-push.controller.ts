import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { NodeAccessLevel, RequireCapability, RequireUser, UserRole } from '../../core/auth/access';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { EncryptedChannel } from '../../node-trust/channel/encrypted-route';
import { PushRequests } from '../push/push-requests';
import { SyncRequestDto } from './sync-operator.dto';

/**
 * Push = ask the peer to pull. Operators call `push` here; this node calls the peer's
 * `pull-request` route (an additive protocol route, any Authorized node session, encrypted channel).
 */
@ApiTags('sync (operator)')
@Controller('api/sync')
export class SyncPushController {
  constructor(private readonly push: PushRequests) {}

  @RequireUser(UserRole.Admin, UserRole.Researcher)
  @ApiOperation({ summary: 'Ask a peer to pull from this node now (it must accept push requests from this node)' })
  @Post('push')
  @HttpCode(202)
  ask(@Body() body: SyncRequestDto) {
    return this.push.ask(body.remoteNodeId);
  }

  @RequireUser(UserRole.Admin, UserRole.Researcher)
  @ApiOperation({ summary: 'Progress of the pull a peer runs for our push request' })
  @Get('push/:remoteNodeId/jobs/:jobId')
  follow(@Param('remoteNodeId') remoteNodeId: string, @Param('jobId') jobId: string) {
    return this.push.follow(remoteNodeId, jobId);
  }

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Peer route: the calling node asks this node to pull from it now' })
  @Post('pull-request')
  @HttpCode(202)
  accept(@Req() req: NodeTrustRequest) {
    return this.push.accept(req.nodeSession!.nodeId);
  }

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @ApiOperation({ summary: 'Peer route: progress of a pull this node runs from the calling node' })
  @Get('pull-request/:jobId')
  progress(@Req() req: NodeTrustRequest, @Param('jobId') jobId: string) {
    return this.push.progress(req.nodeSession!.nodeId, jobId);
  }
}
