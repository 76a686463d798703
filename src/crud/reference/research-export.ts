import { Controller, Get, Injectable, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PassThrough, Readable } from 'node:stream';
import { RequireUser } from '../../core/auth/access';
import { AppError } from '../../core/errors/app-error';
import { isUuid } from '../../core/uuid';
import { ZIP_MAX_BYTES, ZipWriter } from '../../core/zip/zip-writer';
import { ExportFiles } from './export-files.port';
import { CompiledResource } from '../compiled-resource';
import { CrudEngine, Row } from '../crud-engine';
import { CrudResources } from '../crud-resources';
import { ReferenceApi } from './reference-api';
import { ReferenceRoutes } from './reference-routes';

const EXTENSIONS: Record<string, string> = { 'text/csv': 'csv', 'text/plain': 'txt', 'application/edf': 'edf', 'application/octet-stream': 'bin' };

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2), 'utf8');

/** The reference's root folder name: the title reduced to safe characters (≤ 50), then the id. */
export function exportRoot(title: string, researchId: string): string {
  const safe = title.replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim().replace(/\s+/g, '_').slice(0, 50) || 'research';
  return `${safe}_${researchId}`;
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

interface Plan {
  root: string;
  documents: [string, unknown][];
  files: { path: string; sha256: string | null; size: number }[];
}

/**
 * GET /api/Research/{id}/export (iris-desktop-api.md §3.6 RS24): the research with its
 * researchers, volunteers and their clinical data, applications, devices and sensors, sessions,
 * records, channels and recording files as one ZIP in the reference's layout. The listing is read
 * first (DTOs through the reference views, other rows through the CRUD engine); the files are then
 * streamed from the recording store into the archive, never held in memory.
 */
@Injectable()
export class ResearchExport {
  constructor(
    private readonly engine: CrudEngine,
    private readonly resources: CrudResources,
    private readonly reference: ReferenceApi,
    private readonly routes: ReferenceRoutes,
    private readonly storage: ExportFiles,
  ) {}

  async open(researchId: string): Promise<{ fileName: string; stream: Readable }> {
    if (!isUuid(researchId)) throw new AppError(404, 'ERR_RESEARCH_NOT_FOUND', 'Research not found', { shape: 'detail' });
    const plan = await this.plan(researchId);
    const total = plan.files.reduce((sum, f) => sum + f.size, 0) + plan.documents.length * 1024;
    if (total > ZIP_MAX_BYTES) {
      throw new AppError(413, 'ERR_EXPORT_TOO_LARGE', `the export would exceed ${ZIP_MAX_BYTES} bytes (no ZIP64)`, { shape: 'detail' });
    }
    const out = new PassThrough();
    void ZipWriter.open(out)
      .then((zip) => this.write(plan, zip))
      .catch((error: unknown) => out.destroy(error as Error));
    return { fileName: `${plan.root}.zip`, stream: out };
  }

  private async write(plan: Plan, zip: ZipWriter): Promise<void> {
    for (const [path, value] of plan.documents) await zip.addBuffer(`${plan.root}/${path}`, json(value));
    const missing: string[] = [];
    for (const file of plan.files) {
      if (!file.sha256 || !(await this.storage.has(file.sha256))) {
        missing.push(file.path);
        continue;
      }
      await zip.addStream(`${plan.root}/${file.path}`, await this.storage.openRead(file.sha256));
    }
    await zip.addBuffer(`${plan.root}/_missing_files.json`, json(missing));
    await zip.finish();
  }

  private async plan(researchId: string): Promise<Plan> {
    const ref = (resource: string, op: string, path?: string) => this.routes.find(resource, op, path).id;
    const research = await this.reference.get(ref('research', 'get'), { id: researchId });
    const scope = { researchId };
    const researchers = await this.reference.listAll(ref('research-researchers', 'list'), scope);
    const volunteers = await this.reference.listAll(ref('research-volunteers', 'list'), scope);
    const applications = await this.reference.listAll(ref('research-applications', 'list'), scope);
    const devices = await this.reference.listAll(ref('research-devices', 'list'), scope);
    const documents: [string, unknown][] = [
      ['research.json', research],
      ['researchers/researchers.json', researchers],
      ['volunteers/volunteers.json', volunteers],
      ['applications/applications.json', applications],
      ['devices/devices.json', devices],
    ];
    const clinical: [string, string][] = [
      ['volunteer_clinical_conditions', 'clinical_conditions'],
      ['volunteer_clinical_events', 'clinical_events'],
      ['volunteer_medications', 'medications'],
      ['volunteer_allergy_intolerances', 'allergies'],
      ['vital_signs', 'vital_signs'],
    ];
    for (const v of volunteers) {
      for (const [table, name] of clinical) documents.push([`volunteers/${v.volunteerId}/${name}.json`, await this.rows(table, { volunteerId: v.volunteerId })]);
    }
    const deviceSensors = ref('device-sensors', 'list', 'Research/:researchId/devices/:deviceId/sensors');
    for (const d of devices) documents.push([`devices/${d.deviceId}/sensors.json`, await this.reference.listAll(deviceSensors, { researchId, deviceId: String(d.deviceId) })]);
    const files: Plan['files'] = [];
    for (const session of await this.rows('record_session', { researchId })) {
      const base = `sessions/${session.id}`;
      documents.push([`${base}/session.json`, session]);
      documents.push([`${base}/clinical_events.json`, await this.rows('volunteer_clinical_events', { recordSessionId: session.id })]);
      documents.push([`${base}/vital_signs.json`, await this.rows('vital_signs', { recordSessionId: session.id })]);
      for (const record of await this.rows('record', { recordSessionId: session.id })) {
        documents.push([`${base}/records/${record.id}/record.json`, record]);
        for (const channel of await this.rows('record_channel', { recordId: record.id })) {
          const path = `${base}/records/${record.id}/channels/${channel.id}`;
          documents.push([`${path}/channel.json`, channel]);
          const extension = EXTENSIONS[String(channel.fileContentType ?? '')] ?? 'csv';
          files.push({ path: `${path}/signal.${extension}`, sha256: (channel.fileSha256 as string | null) ?? null, size: Number(channel.fileSizeBytes ?? 0) });
        }
      }
    }
    return { root: exportRoot(String(research.title ?? ''), researchId), documents, files };
  }

  /** Rows of a table (node's own shape) matching equality conditions on its properties. */
  private async rows(table: string, where: Record<string, unknown>): Promise<Row[]> {
    const resource = this.resourceOf(table);
    const conditions = Object.entries(where).map(([property, value]) => ({ column: resource.byProperty.get(property)!, value }));
    return (await this.engine.selectRows(resource, this.engine.nativeShape(resource), conditions)).rows;
  }

  private resourceOf(table: string): CompiledResource {
    const resource = this.resources.all().find((r) => r.model.table === table);
    if (!resource) throw new Error(`no CRUD resource for table ${table}`);
    return resource;
  }
}

@ApiTags('reference (IRIS)')
@ApiBearerAuth()
@RequireUser()
@Controller('api/Research')
export class ResearchExportController {
  constructor(private readonly exporter: ResearchExport) {}

  @ApiOperation({ summary: 'Reference: the research and all its data and recording files as a ZIP (plain HTTP + Bearer, as IRIS calls it)' })
  @Get(':id/export')
  async export(@Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const { fileName, stream } = await this.exporter.open(id);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', contentDisposition(fileName));
    return new StreamableFile(stream);
  }
}
