import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { SyncExportRoute } from '../../node-trust/channel/encrypted-route';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { AppError } from '../../core/errors/app-error';
import { EXPORT_QUERIES } from '../cqrs/aggregate-messages';
import { ExportEngine } from '../export/export-engine';
import { ExportWindows } from '../export/export-windows';
import { RecordingFiles } from '../export/recording-files';
import { CHUNK_MEDIA_TYPE, FrameEncryptor } from '../shared/chunked-cipher';
import { assertCompatibleProtocol, SYNC_PROTOCOL_HEADER } from '../shared/protocol';
import { RawJson } from '../shared/raw-json';
import { CloseWindowDto, ExportPageQueryDto, ManifestRequestDto } from './sync-export.dto';

/**
 * The source side of a pull (SPEC §5): reference-compatible paths under /api/sync, ReadWrite
 * session over the encrypted channel, `sync` throttle profile. Controllers only dispatch.
 */
@ApiTags('sync (serving peers)')
@Controller('api/sync')
export class SyncExportController {
  constructor(
    private readonly queries: QueryBus,
    private readonly catalog: SyncCatalog,
    private readonly engine: ExportEngine,
    private readonly windows: ExportWindows,
    private readonly files: RecordingFiles,
  ) {}

  @SyncExportRoute()
  @ApiOperation({ summary: 'Manifest; with X-Sync-Protocol opens an export window' })
  @Post('manifest')
  @HttpCode(200)
  manifest(@Body() body: ManifestRequestDto, @Req() req: NodeTrustRequest, @Headers(SYNC_PROTOCOL_HEADER) protocol?: string) {
    assertCompatibleProtocol(protocol);
    const peer = req.nodeSession?.nodeId ?? 'unknown';
    return this.engine.manifest({ since: body.since, cursor: body.cursor, windowMode: Boolean(protocol), peer });
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'Release an export window' })
  @Post('window/close')
  @HttpCode(200)
  async closeWindow(@Body() body: CloseWindowDto) {
    return { closed: await this.windows.close(body.window) };
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of one SNOMED catalog' })
  @Get('snomed/:entityType')
  snomed(@Param('entityType') entityType: string, @Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page(`snomed/${entityType}`, query);
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of volunteers (with clinical data)' })
  @Get('volunteers')
  volunteers(@Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page('volunteers', query);
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of researchers' })
  @Get('researchers')
  researchers(@Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page('researchers', query);
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of devices (with sensors)' })
  @Get('devices')
  devices(@Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page('devices', query);
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of research (with applications and links)' })
  @Get('research')
  research(@Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page('research', query);
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'A page of sessions (with target area, records, channels, annotations)' })
  @Get('sessions')
  sessions(@Query() query: ExportPageQueryDto): Promise<RawJson> {
    return this.page('sessions', query);
  }

  /** The reference's form: base64 JSON (bounded size). */
  @SyncExportRoute()
  @ApiOperation({ summary: 'A recording file as base64 JSON (bounded size)' })
  @Get('recordings/:recordChannelId/file')
  file(@Param('recordChannelId') id: string) {
    return this.files.base64(id);
  }

  /** Streamed form: binary frames encrypted with the channel key, Range to resume (SPEC §5.2). */
  @SyncExportRoute()
  @ApiOperation({ summary: 'A recording file as encrypted frames (Range to resume)' })
  @Get('recordings/:recordChannelId/stream')
  async stream(@Param('recordChannelId') id: string, @Req() req: NodeTrustRequest, @Res() res: Response): Promise<void> {
    const key = req.prismChannel?.key;
    if (!key) throw new AppError(400, 'ERR_CHANNEL_REQUIRED', 'file streams need an encrypted channel');
    const info = await this.files.info(id);
    const range = this.files.parseRange(req.headers.range, info.size);
    const body = await this.files.open(info, range);
    res.status(range ? 206 : 200);
    res.setHeader('Content-Type', CHUNK_MEDIA_TYPE);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('X-File-Sha256', info.sha256);
    res.setHeader('X-File-Size', String(info.size));
    if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    await pipeline(body as Readable, new FrameEncryptor(key, info.sha256, range?.start ?? 0), res).catch(() => res.destroy());
  }

  private page(route: string, query: ExportPageQueryDto): Promise<RawJson> {
    const feed = this.catalog.feed(route);
    if (!feed) throw new AppError(400, 'ERR_UNKNOWN_ENTITY_TYPE', `unknown sync entity type "${route.replace(/^snomed\//, '')}"`);
    if (query.after && !query.window) throw new AppError(400, 'ERR_VALIDATION', '`after` needs `window`');
    const Query = EXPORT_QUERIES[this.catalog.aggregateOf(feed.root)];
    return this.queries.execute(new Query(route, query));
  }
}
