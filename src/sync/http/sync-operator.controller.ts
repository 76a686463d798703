import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, MessageEvent, Param, ParseUUIDPipe, Post, Query, Req, Sse } from '@nestjs/common';
import { Observable, map } from 'rxjs';
import { RequireUser, UserRole } from '../../core/auth/access';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { ConflictRestore } from '../conflicts/conflict-restore';
import { SyncJobs } from '../pull/sync-jobs.service';
import { VerifyService } from '../verify/verify.service';
import { SyncHistory } from './sync-history';
import { ConflictQueryDto, PullRequestDto, StartJobDto, SyncHistoryQueryDto, SyncRequestDto } from './sync-operator.dto';

/**
 * Who may operate syncs: a logged-in Admin or Researcher (over a channel, the IRIS desktop, with its
 * node session as well). A node session alone never operates this node (least privilege,
 * docs/security.md): the reference accepts one here.
 */
const Operator = () => RequireUser(UserRole.Admin, UserRole.Researcher);

const requester = (req: NodeTrustRequest) => req.user?.login ?? null;

/** The requester side (SPEC §7): preview, pull, jobs with live progress, history, conflicts. */
@ApiTags('sync (operator)')
@Controller('api/sync')
export class SyncOperatorController {
  constructor(
    private readonly jobs: SyncJobs,
    private readonly history: SyncHistory,
    private readonly verifier: VerifyService,
    private readonly restorer: ConflictRestore,
  ) {}

  /** Reference-compatible, honest preview: fetches and applies in a rolled-back transaction. */
  @Operator()
  @ApiOperation({ summary: 'Honest preview of a pull (applied in a rolled-back transaction)' })
  @Post('preview')
  @HttpCode(200)
  async preview(@Body() body: SyncRequestDto, @Req() req: NodeTrustRequest) {
    const jobId = await this.jobs.start({ remoteNodeId: body.remoteNodeId, kind: 'preview', requestedBy: requester(req) });
    const outcome = await this.jobs.wait(jobId);
    return this.history.previewResponse(jobId, body.remoteNodeId, outcome);
  }

  /** Reference-compatible pull: waits for the end and returns the SyncResult. */
  @Operator()
  @ApiOperation({ summary: 'Pull from a peer and wait for the result' })
  @Post('pull')
  @HttpCode(200)
  async pull(@Body() body: PullRequestDto, @Req() req: NodeTrustRequest) {
    const jobId = await this.jobs.start({ remoteNodeId: body.remoteNodeId, kind: 'pull', requestedBy: requester(req), fullResync: body.fullResync });
    const outcome = await this.jobs.wait(jobId);
    return this.history.syncResult(jobId, outcome);
  }

  /** The same, asynchronous: 202 {jobId}; follow it with GET jobs/{id} or its events. */
  @Operator()
  @ApiOperation({ summary: 'Start a pull or preview job (202)' })
  @Post('jobs')
  @HttpCode(202)
  async startJob(@Body() body: StartJobDto, @Req() req: NodeTrustRequest) {
    const jobId = await this.jobs.start({ remoteNodeId: body.remoteNodeId, kind: body.kind ?? 'pull', requestedBy: requester(req), fullResync: body.fullResync });
    return { jobId, statusUrl: `/api/sync/jobs/${jobId}`, eventsUrl: `/api/sync/jobs/${jobId}/events` };
  }

  @Operator()
  @ApiOperation({ summary: 'Progress of a job' })
  @Get('jobs/:id')
  job(@Param('id', ParseUUIDPipe) id: string) {
    return this.jobs.status(id);
  }

  /** Server-Sent Events: one `progress` event per change, the last one with the final state. */
  @Operator()
  @ApiOperation({ summary: 'Progress of a job as Server-Sent Events' })
  @Sse('jobs/:id/events')
  async events(@Param('id', ParseUUIDPipe) id: string): Promise<Observable<MessageEvent>> {
    return (await this.jobs.events$(id)).pipe(map((progress) => ({ type: 'progress', data: progress })));
  }

  @Operator()
  @ApiOperation({ summary: 'Cancel a job (nothing of it stays applied)' })
  @Post('jobs/:id/cancel')
  @HttpCode(200)
  cancel(@Param('id', ParseUUIDPipe) id: string) {
    return this.jobs.cancel(id);
  }

  /**
   * Reference-compatible history, newest first. The reference serves it to a ReadWrite node session
   * alone; here it needs a user token (the history names every peer): a documented difference.
   */
  @Operator()
  @ApiOperation({ summary: 'Sync history' })
  @Get('log')
  log(@Query() query: SyncHistoryQueryDto) {
    return this.history.log({ remoteNodeId: query.remoteNodeId, status: query.status, kind: query.kind }, query.page ?? 1, query.pageSize ?? 10);
  }

  /** Digests of every synced table and the file store: equal digests = equal data on two nodes. */
  @Operator()
  @ApiOperation({ summary: 'Digests of every synced table and the file store' })
  @Get('verify')
  verify() {
    return this.verifier.report();
  }

  /** Archived losing versions of conflicts (SPEC §6): full clinical rows, so Admin only. */
  @RequireUser(UserRole.Admin)
  @ApiOperation({ summary: 'Archived losing versions of conflicts' })
  @Get('conflicts')
  conflicts(@Query() query: ConflictQueryDto) {
    return this.history.conflicts(query);
  }

  /** Writes the losing version back as a new local edit, which then wins everywhere by the normal rule. */
  @RequireUser(UserRole.Admin)
  @ApiOperation({ summary: 'Restore the losing version of a conflict as a new local edit (Admin)' })
  @Post('conflicts/:id/restore')
  @HttpCode(200)
  restore(@Param('id', ParseUUIDPipe) id: string, @Req() req: NodeTrustRequest) {
    return this.restorer.restore(id, req.user!.login);
  }
}
