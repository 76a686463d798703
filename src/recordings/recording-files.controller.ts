import { Controller, Get, Headers, HttpCode, Param, Post, Put, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireUser } from '../core/auth/access';
import { contentRange } from '../core/http/range';
import { Row } from '../crud/crud-engine';
import { RECORDING_CONTENT_TYPES, RecordingFilesService } from './recording-files.service';

const BINARY_BODY = { schema: { type: 'string', format: 'binary' } };

@ApiTags('recordings')
@ApiBearerAuth('bearer')
@RequireUser()
@Controller('api/record-channels/:id/file')
export class RecordingFilesController {
  constructor(private readonly files: RecordingFilesService) {}

  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload (replace) the recording file of a record channel; the body is the raw file, streamed' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConsumes(...RECORDING_CONTENT_TYPES)
  @ApiBody(BINARY_BODY)
  @ApiHeader({ name: 'X-Content-SHA256', required: false, description: 'expected SHA-256 (hex); a mismatch stores nothing' })
  @ApiResponse({ status: 200, description: 'the record channel with fileSha256, fileSizeBytes, fileContentType, fileUrl' })
  @ApiResponse({ status: 413, description: 'ERR_PAYLOAD_TOO_LARGE (UPLOAD_MAX_BYTES); nothing stored' })
  @ApiResponse({ status: 415, description: 'ERR_UNSUPPORTED_MEDIA_TYPE' })
  upload(@Param('id') id: string, @Req() req: Request, @Headers('x-content-sha256') sha256?: string): Promise<Row> {
    const length = req.headers['content-length'];
    return this.files.upload({
      channelId: id,
      body: req,
      contentType: req.headers['content-type'],
      contentLength: length === undefined ? undefined : Number(length),
      expectedSha256: sha256,
    });
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as PUT' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConsumes(...RECORDING_CONTENT_TYPES)
  @ApiBody(BINARY_BODY)
  uploadByPost(@Param('id') id: string, @Req() req: Request, @Headers('x-content-sha256') sha256?: string): Promise<Row> {
    return this.upload(id, req, sha256);
  }

  @Get()
  @ApiOperation({ summary: 'Download the recording file (streamed; single byte ranges → 206, outside → 416)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({ name: 'Range', required: false, description: 'bytes=start-end' })
  @ApiProduces('application/octet-stream', 'text/csv')
  async download(@Param('id') id: string, @Headers('range') range: string | undefined, @Res({ passthrough: true }) res: Response) {
    const file = await this.files.download(id, range);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', `"${file.sha256}"`);
    res.setHeader('X-Content-SHA256', file.sha256);
    res.setHeader('Content-Disposition', `attachment; filename="${id}"`);
    if (file.range) {
      res.status(206);
      res.setHeader('Content-Range', contentRange(file.range, file.size));
    }
    const length = file.range ? file.range.end - file.range.start + 1 : file.size;
    return new StreamableFile(file.stream, { type: file.contentType, length });
  }
}
