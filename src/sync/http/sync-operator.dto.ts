import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import type { SyncStatus } from '../pull/sync-logs';

export class SyncRequestDto {
  @IsUUID()
  remoteNodeId: string;

  /** Accepted for reference compatibility; the change-feed cursor decides what moves. */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional() @IsString() @MaxLength(200) channelId?: string;
  @IsOptional() @IsString() @MaxLength(200) sessionToken?: string;
  @IsOptional() @IsString() @MaxLength(100) timestamp?: string;
}

/** A pull that may be a full resync: after ERR_BEHIND_HORIZON, ignore the cursor and drop the rows the peer no longer has. */
export class PullRequestDto extends SyncRequestDto {
  @IsOptional()
  @IsBoolean()
  fullResync?: boolean;
}

export class StartJobDto extends PullRequestDto {
  @IsOptional()
  @IsIn(['pull', 'preview'])
  kind?: 'pull' | 'preview';
}

export class PagingDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize?: number;
}

export class SyncLogQueryDto extends PagingDto {
  @IsOptional()
  @IsUUID()
  remoteNodeId?: string;
}

/** GET /api/sync/log: the history, optionally one peer's, one status, one kind. */
export class SyncHistoryQueryDto extends SyncLogQueryDto {
  @IsOptional()
  @IsIn(['in_progress', 'completed', 'failed', 'rolled_back', 'cancelled'])
  status?: SyncStatus;

  @IsOptional()
  @IsIn(['pull', 'preview', 'bundle_import', 'bundle_export'])
  kind?: 'pull' | 'preview' | 'bundle_import' | 'bundle_export';
}

export class ConflictQueryDto extends SyncLogQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  table?: string;

  @IsOptional()
  @IsUUID()
  syncLogId?: string;
}

/**
 * A connection's sync settings; absent fields stay as they are. `intervalSeconds`: seconds between
 * pulls (1 s – 30 days), or null to turn the schedule off. `acceptPushRequests`: whether the peer may
 * ask this node to pull from it now.
 */
export class ScheduleDto {
  @ValidateIf((o: ScheduleDto) => o.intervalSeconds !== null && (o.intervalSeconds !== undefined || o.acceptPushRequests === undefined))
  @IsInt({ message: 'intervalSeconds must be a whole number of seconds, or null to turn the schedule off' })
  @Min(1)
  @Max(30 * 24 * 3600)
  intervalSeconds?: number | null;

  @IsOptional()
  @IsBoolean()
  acceptPushRequests?: boolean;
}
