import { Controller, Get, Param, Query, Req, Res, StreamableFile, Type } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline as streamPipeline } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { RawJson } from '../../core/http/raw-json';
import { contentRange, requireSatisfiableRange } from '../../core/http/range';
import { AggregateSpec, ChildSpec, FeedSpec, FileSpec } from '../../core/sync-kernel/aggregate-spec';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { SyncExportRoute } from '../../node-trust/channel/encrypted-route';
import { ExportPage } from '../export/export.types';
import { FeedPages } from '../export/feed-pages';
import { FileServing } from '../export/file-serving';
import { CHUNK_MEDIA_TYPE, FrameEncryptor } from '../shared/chunked-cipher';
import { pageHeaders, pageStreamId } from '../shared/page-stream';
import { ExportPageQueryDto } from './sync-export.dto';
import { named, pascalCase } from '../../core/naming';

export const SYNC_EXPORT_TAG = 'sync (serving peers)';

const withChildren = (children: ChildSpec[] = []) => (children.length ? ` (with ${children.map((c) => c.property).join(', ')})` : '');

/**
 * A page as the feed routes answer it: JSON text (encrypted by the channel interceptor), or a
 * streamed page (`format=copy`): its metadata in headers, its body in encrypted frames whose AAD
 * names the request and those headers (page-stream.ts).
 */
function answer(page: ExportPage, route: string, query: ExportPageQueryDto, req: NodeTrustRequest, res: Response): RawJson | StreamableFile {
  if (page instanceof RawJson) return page;
  const key = req.prismChannel?.key;
  if (!key) {
    page.body.destroy();
    throw new AppError(400, 'ERR_CHANNEL_REQUIRED', 'streamed pages need an encrypted channel');
  }
  const meta = { table: page.table, rows: page.rows, columns: page.columns, next: page.next };
  for (const [name, value] of Object.entries(pageHeaders(meta))) res.setHeader(name, value);
  const id = pageStreamId({ route, window: query.window!, after: query.after ?? null, part: query.part }, meta);
  // pipeline destroys each stream with the other: a failing COPY cuts the answer short (never ends
  // it: the missing end frame tells the requester), a requester gone stops the COPY.
  const framed = streamPipeline(page.body, new FrameEncryptor(key, id, 0), () => undefined);
  return new StreamableFile(framed, { type: CHUNK_MEDIA_TYPE }).setErrorHandler((_error, response) => response.destroy?.());
}

/** GET /api/sync/<route>: a page of one feed. */
function feedController(feed: FeedSpec): Type<unknown> {
  @ApiTags(SYNC_EXPORT_TAG)
  @Controller('api/sync')
  class FeedController {
    constructor(private readonly pages: FeedPages) {}

    @SyncExportRoute()
    @ApiOperation({ summary: `A page of ${feed.route}${withChildren(feed.children)}` })
    @Get(feed.route)
    async page(@Query() query: ExportPageQueryDto, @Req() req: NodeTrustRequest, @Res({ passthrough: true }) res: Response): Promise<RawJson | StreamableFile> {
      return answer(await this.pages.page(feed.route, { ...query, caller: req.nodeSession?.nodeId }), feed.route, query, req, res);
    }
  }
  return named(FeedController, `${pascalCase(feed.route)}FeedController`);
}

/** GET /api/sync/<group>/:entityType: a page of one feed of a group (feeds routed "<group>/<type>"). */
function feedGroupController(group: string, feeds: FeedSpec[]): Type<unknown> {
  const types = feeds.map((f) => f.route.slice(group.length + 1));
  @ApiTags(SYNC_EXPORT_TAG)
  @Controller('api/sync')
  class FeedGroupController {
    constructor(private readonly pages: FeedPages) {}

    @SyncExportRoute()
    @ApiOperation({ summary: `A page of one ${group} feed (${types.join(', ')})` })
    @Get(`${group}/:entityType`)
    async page(
      @Param('entityType') entityType: string,
      @Query() query: ExportPageQueryDto,
      @Req() req: NodeTrustRequest,
      @Res({ passthrough: true }) res: Response,
    ): Promise<RawJson | StreamableFile> {
      const route = `${group}/${entityType}`;
      return answer(await this.pages.page(route, { ...query, caller: req.nodeSession?.nodeId }, entityType), route, query, req, res);
    }
  }
  return named(FeedGroupController, `${pascalCase(group)}FeedsController`);
}

/** GET /api/sync/<route>/:<param>/file and …/stream: the file a row references. */
function filesController(files: FileSpec): Type<unknown> {
  const path = `${files.route}/:${files.param}`;
  @ApiTags(SYNC_EXPORT_TAG)
  @Controller('api/sync')
  class FilesController {
    constructor(private readonly files: FileServing) {}

    /** The reference's form: base64 JSON (bounded size). */
    @SyncExportRoute()
    @ApiOperation({ summary: `A ${files.name} file as base64 JSON (bounded size)` })
    @Get(`${path}/file`)
    file(@Param(files.param) id: string, @Res({ passthrough: true }) res: Response) {
      return this.files.base64(id, (release) => res.once('close', release));
    }

    /** Streamed form: binary frames encrypted with the channel key, Range to resume (SPEC §5.2). */
    @SyncExportRoute()
    @ApiOperation({ summary: `A ${files.name} file as encrypted frames (Range to resume)` })
    @Get(`${path}/stream`)
    async stream(@Param(files.param) id: string, @Req() req: NodeTrustRequest, @Res() res: Response): Promise<void> {
      const key = req.prismChannel?.key;
      if (!key) throw new AppError(400, 'ERR_CHANNEL_REQUIRED', 'file streams need an encrypted channel');
      const info = await this.files.info(id);
      const range = requireSatisfiableRange(req.headers.range, info.size);
      const send = await this.files.open(info, range);
      res.status(range ? 206 : 200);
      res.setHeader('Content-Type', CHUNK_MEDIA_TYPE);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('X-File-Sha256', info.sha256);
      res.setHeader('X-File-Size', String(info.size));
      if (range) res.setHeader('Content-Range', contentRange(range, info.size));
      await send(res, key).catch(() => res.destroy());
    }
  }
  return named(FilesController, `${pascalCase(files.name)}FilesController`);
}

/**
 * The export routes of an aggregate module's specs (SPEC §5), built from the specs as
 * crudControllerFor builds CRUD routes: a route per feed, one `<group>/:entityType` route per
 * group of feeds named "<group>/<type>" (the reference's SNOMED catalogs), and the file routes.
 * ReadWrite session over the encrypted channel, `sync` throttle profile; controllers only dispatch.
 */
export function exportControllersFor(specs: readonly AggregateSpec[]): Type<unknown>[] {
  const feeds = specs.flatMap((s) => s.feeds);
  const groups = new Map<string, FeedSpec[]>();
  const controllers: Type<unknown>[] = [];
  for (const feed of feeds) {
    const slash = feed.route.indexOf('/');
    if (slash < 0) controllers.push(feedController(feed));
    else groups.set(feed.route.slice(0, slash), [...(groups.get(feed.route.slice(0, slash)) ?? []), feed]);
  }
  for (const [group, members] of groups) controllers.push(feedGroupController(group, members));
  for (const files of specs.flatMap((s) => s.files ?? [])) controllers.push(filesController(files));
  return controllers;
}
