import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { RequireUser, UserRole } from '../../core/auth/access';
import { SyncScheduler } from '../schedule/sync-scheduler';
import { ScheduleDto } from './sync-operator.dto';

/** Sync that runs itself: per-connection schedules and every connection's sync status. */
@ApiTags('sync (operator)')
@Controller('api/sync')
export class SyncScheduleController {
  constructor(private readonly scheduler: SyncScheduler) {}

  @RequireUser(UserRole.Admin, UserRole.Researcher)
  @ApiOperation({ summary: 'Per connection: schedule state, last success, last failure, next run' })
  @Get('status')
  status() {
    return this.scheduler.status();
  }

  /** A new interval also resumes a paused schedule. */
  @RequireUser(UserRole.Admin)
  @ApiOperation({ summary: "Set a connection's pull interval (seconds; null: off; resumes a paused schedule) and whether it accepts push requests" })
  @Put('schedules/:remoteNodeId')
  schedule(@Param('remoteNodeId') remoteNodeId: string, @Body() body: ScheduleDto) {
    return this.scheduler.configure(remoteNodeId, { intervalSeconds: body.intervalSeconds, acceptPushRequests: body.acceptPushRequests });
  }
}
