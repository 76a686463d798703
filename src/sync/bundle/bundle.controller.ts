import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { AppConfig } from '../../config';
import { RequireUser, UserRole } from '../../core/auth/access';
import { AppError } from '../../core/errors/app-error';
import type { NodeTrustRequest } from '../../node-trust/channel/channel-request';
import { FetchStep } from '../pull/fetch-step';
import { BUNDLE_MEDIA_TYPE } from './bundle-format';
import { BundleExporter } from './bundle-exporter';
import { BundleImporter } from './bundle-importer';
import { BundlePositions } from './bundle-positions';

export class ExportBundleDto {
  @IsUUID()
  remoteNodeId: string;

  /** From the beginning, as a full resync (after ERR_BEHIND_HORIZON), whatever the peer acknowledged. */
  @IsOptional()
  @IsBoolean()
  full?: boolean;
}

export class ImportBundleQueryDto {
  /** Preview: everything is verified and applied in a transaction that is rolled back; no file is stored. */
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  preview?: string;
}

export class BundleAckDto {
  /** The signed acknowledgement text (JSON). */
  @IsString()
  @MaxLength(100_000)
  ack: string;

  @IsString()
  @MaxLength(2_000)
  signature: string;
}

const requester = (req: NodeTrustRequest) => req.user?.login ?? null;

/**
 * Offline bundles (docs/bundles.md): Admin only. Export writes what a pull by a peer would bring
 * into one encrypted, signed file; import verifies and applies one like a pull; acknowledgements
 * move the exporter's position for the importer.
 */
@ApiTags('sync (offline bundles)')
@RequireUser(UserRole.Admin)
@Controller('api/sync/bundles')
export class BundleController {
  constructor(
    private readonly exporter: BundleExporter,
    private readonly importer: BundleImporter,
    private readonly positions: BundlePositions,
    private readonly config: AppConfig,
    private readonly fetch: FetchStep,
  ) {}

  @ApiOperation({ summary: 'Export an offline bundle for a peer: everything its next pull would bring, encrypted for it and signed (the file is the answer)' })
  @ApiProduces(BUNDLE_MEDIA_TYPE)
  @Post('export')
  @HttpCode(200)
  async export(@Body() body: ExportBundleDto, @Req() req: NodeTrustRequest, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const bundle = await this.exporter.export(body.remoteNodeId, requester(req), { full: body.full });
    res.setHeader('X-Bundle-Id', bundle.manifest.bundleId);
    const stream = bundle.open();
    stream.on('close', () => void bundle.remove());
    return new StreamableFile(stream, { type: BUNDLE_MEDIA_TYPE, length: bundle.size, disposition: `attachment; filename="${bundle.fileName}"` });
  }

  @ApiOperation({ summary: 'Import an offline bundle (the raw file, streamed): verified, previewed or applied in one transaction like a pull' })
  @ApiConsumes(BUNDLE_MEDIA_TYPE, 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 409, description: 'ERR_BUNDLE_ALREADY_APPLIED, ERR_BUNDLE_STALE, ERR_BUNDLE_GAP, ERR_PROTOCOL_MISMATCH, ERR_SCHEMA_MISMATCH, ERR_SYNC_IN_PROGRESS' })
  @ApiResponse({ status: 422, description: 'ERR_BUNDLE_SIGNATURE_INVALID, ERR_BUNDLE_TAMPERED, ERR_BUNDLE_WRONG_RECIPIENT' })
  @Post('import')
  @HttpCode(200)
  async import(@Query() query: ImportBundleQueryDto, @Req() req: Request & NodeTrustRequest) {
    const preview = query.preview === 'true' || query.preview === '1';
    const path = await this.receive(req);
    try {
      return await this.importer.import(path, { preview, requestedBy: requester(req) });
    } finally {
      await rm(path, { force: true });
    }
  }

  @ApiOperation({ summary: "This node's signed acknowledgement of what it applied from a peer (for that peer's next bundle)" })
  @Get('acks/:remoteNodeId')
  async acknowledgement(@Param('remoteNodeId', new ParseUUIDPipe()) remoteNodeId: string) {
    const ack = await this.positions.acknowledgementFor(remoteNodeId);
    if (!ack) throw new AppError(404, 'ERR_NOT_FOUND', `nothing was applied here from peer ${remoteNodeId} yet`);
    return ack;
  }

  @ApiOperation({ summary: "Accept a peer's acknowledgement: moves the position its next bundle starts from" })
  @Post('acks')
  @HttpCode(200)
  accept(@Body() body: BundleAckDto) {
    return this.positions.accept(body);
  }

  @ApiOperation({ summary: 'The position each peer acknowledged (where its next bundle starts)' })
  @Get('positions')
  positionsList() {
    return this.positions.list();
  }

  /** The request body to a private file in staging, at most SYNC_BUNDLE_MAX_BYTES (413 beyond, nothing kept). */
  private async receive(req: Request): Promise<string> {
    const max = this.config.sync.bundleMaxBytes;
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new AppError(413, 'ERR_PAYLOAD_TOO_LARGE', `bundles may have at most ${max} bytes (SYNC_BUNDLE_MAX_BYTES)`, { details: { maxBytes: max } });
    if (Number.isFinite(declared) && declared > max) throw tooLarge();
    mkdirSync(this.fetch.stagingRoot, { recursive: true, mode: 0o700 });
    const path = join(this.fetch.stagingRoot, `bundle-upload-${randomUUID()}`);
    let received = 0;
    try {
      await pipeline(
        req,
        new Transform({
          transform(chunk: Buffer, _e, done) {
            received += chunk.length;
            done(received > max ? tooLarge() : null, chunk);
          },
        }),
        createWriteStream(path, { mode: 0o600 }),
      );
    } catch (error) {
      await rm(path, { force: true });
      if (error instanceof AppError) throw error;
      throw new AppError(400, 'ERR_BUNDLE_MALFORMED', `the bundle upload failed: ${(error as Error).message}`);
    }
    if (received === 0) {
      await rm(path, { force: true });
      throw new AppError(400, 'ERR_BUNDLE_MALFORMED', 'no bundle file in the request body');
    }
    return path;
  }
}
