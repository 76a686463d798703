import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { PageFormat } from '../shared/protocol';

/** Query of every export page (reference: since/page/pageSize; extension: window/after). */
export class ExportPageQueryDto {
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  pageSize?: number;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^[A-Za-z0-9_-]+$/)
  window?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^[A-Za-z0-9_-]+$/)
  after?: string;

  /** `copy`: the page as COPY text in encrypted frames (the window's pageFormat said so); default JSON. */
  @IsOptional()
  @IsIn(['json', 'copy'])
  format?: PageFormat;

  /** One part of the feed (capability `copy-parts`): its table at this index, or its tombstones after the last table. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  part?: number;
}

export class ManifestRequestDto {
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;

  // The reference's clients send these inside every encrypted body.
  @IsOptional() @IsString() @MaxLength(200) channelId?: string;
  @IsOptional() @IsString() @MaxLength(200) sessionToken?: string;
  @IsOptional() @IsString() @MaxLength(100) timestamp?: string;
}

export class CloseWindowDto {
  @IsString()
  @MaxLength(2000)
  @Matches(/^[A-Za-z0-9_-]+$/)
  window: string;

  @IsOptional() @IsString() @MaxLength(200) channelId?: string;
  @IsOptional() @IsString() @MaxLength(200) sessionToken?: string;
  @IsOptional() @IsString() @MaxLength(100) timestamp?: string;
}

/** Query of a batch of window pages (page-stream.ts BatchRequest). */
export class WindowBatchQueryDto {
  @IsString()
  @MaxLength(2000)
  @Matches(/^[A-Za-z0-9_-]+$/)
  window: string;

  /** Feed routes, comma-separated, served in this order. */
  @IsString()
  @MaxLength(4000)
  @Matches(/^[a-z0-9/_-]+(,[a-z0-9/_-]+)*$/)
  routes: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  pageSize: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  budget: number;
}
