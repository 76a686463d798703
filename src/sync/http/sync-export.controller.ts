import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { pipeline } from 'node:stream';
import { AppError } from '../../core/errors/app-error';
import { CHUNK_MEDIA_TYPE, FrameEncryptor } from '../shared/chunked-cipher';
import { batchStreamId, BatchRequest } from '../shared/page-stream';
import { SyncExportRoute, SyncManifestRoute } from '../../node-trust/channel/encrypted-route';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { BundlePositions } from '../bundle/bundle-positions';
import { ExportEngine } from '../export/export-engine';
import { ExportWindows } from '../export/export-windows';
import { assertCompatibleProtocol, SYNC_PAGE_FORMATS_HEADER, SYNC_PROTOCOL_HEADER } from '../shared/protocol';
import { CloseWindowDto, ManifestRequestDto, WindowBatchQueryDto } from './sync-export.dto';
import { SYNC_EXPORT_TAG } from './sync-feed-routes';

/**
 * The source side of a pull (SPEC §5): the manifest and the window. The feed and file routes are
 * built per aggregate module from its specs (sync-feed-routes.ts). ReadWrite session over the
 * encrypted channel, `sync` throttle profile. Controllers only dispatch.
 */
@ApiTags(SYNC_EXPORT_TAG)
@Controller('api/sync')
export class SyncExportController {
  constructor(
    private readonly engine: ExportEngine,
    private readonly windows: ExportWindows,
    private readonly bundlePositions: BundlePositions,
  ) {}

  @SyncManifestRoute()
  @ApiOperation({ summary: 'Manifest; with X-Sync-Protocol opens an export window' })
  @Post('manifest')
  @HttpCode(200)
  async manifest(
    @Body() body: ManifestRequestDto,
    @Req() req: NodeTrustRequest,
    @Headers(SYNC_PROTOCOL_HEADER) protocol?: string,
    @Headers(SYNC_PAGE_FORMATS_HEADER) pageFormats?: string,
  ) {
    // The session's registry grant is read by the manifest's first statement (SyncManifestRoute).
    const grant = req.nodeSession?.pendingGrant;
    if (!grant) throw new AppError(500, 'ERR_INTERNAL', 'the manifest route expects its node session grant pending');
    const peer = req.nodeSession!.nodeId;
    let manifest: Awaited<ReturnType<ExportEngine['manifest']>>;
    try {
      assertCompatibleProtocol(protocol);
      const formats = pageFormats?.split(',').map((f) => f.trim());
      manifest = await this.engine.manifest({ since: body.since, cursor: body.cursor, windowMode: Boolean(protocol), peer, pageFormats: formats, grant });
    } catch (error) {
      // Whatever failed before the grant was read (protocol, cursor, the probe): a caller refused
      // by its grant hears that first, as from the guard.
      if (!grant.settled) await grant.read();
      throw error;
    }
    // Nothing is answered for a grant left unread (a path of the engine that forgot it).
    if (!grant.settled) throw new AppError(500, 'ERR_INTERNAL', 'the manifest did not check the node session grant');
    // The cursor a peer pulls from is what it has applied: its next offline bundle starts there.
    // Not awaited: the manifest's answer (a no-op pull's only round trip) does not wait for it.
    if (protocol && body.cursor && req.nodeSession) void this.bundlePositions.acknowledge(peer, body.cursor, 'pull').catch(() => undefined);
    return manifest;
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'Pages of several feeds of a window in one answer (COPY pages in encrypted frames)' })
  @Get('window/pages')
  async windowPages(@Query() query: WindowBatchQueryDto, @Req() req: NodeTrustRequest): Promise<StreamableFile> {
    const key = req.prismChannel?.key;
    if (!key) throw new AppError(400, 'ERR_CHANNEL_REQUIRED', 'batched pages need an encrypted channel');
    const request: BatchRequest = { window: query.window, routes: query.routes.split(','), pageSize: query.pageSize, budget: query.budget };
    const { body } = await this.engine.windowBatch({ ...request, caller: req.nodeSession?.nodeId });
    // As a single streamed page: a failing read cuts the answer short (no end frame), a requester gone stops the reads.
    const framed = pipeline(body, new FrameEncryptor(key, batchStreamId(request), 0, true), () => undefined);
    return new StreamableFile(framed, { type: CHUNK_MEDIA_TYPE }).setErrorHandler((_error, response) => response.destroy?.());
  }

  @SyncExportRoute()
  @ApiOperation({ summary: 'Release an export window' })
  @Post('window/close')
  @HttpCode(200)
  async closeWindow(@Body() body: CloseWindowDto, @Req() req: NodeTrustRequest) {
    return { closed: await this.windows.close(body.window, req.nodeSession?.nodeId ?? 'unknown') };
  }
}
