import { Body, Controller, HttpCode, Injectable, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuthenticatedRequest, RequireUser } from '../../core/auth/access';
import { AppError } from '../../core/errors/app-error';
import { FieldProblem, validationError } from '../../core/validation';
import { isUuid } from '../../core/uuid';
import { ColumnModel } from '../../core/sync-kernel/table-model';
import { Fields } from '../../core/http/fields';
import { CompiledResource } from '../compiled-resource';
import { Assignment, CrudEngine, Row } from '../crud-engine';

import { CrudResources } from '../crud-resources';
import { ReferenceApi } from './reference-api';
import { Actor } from './reference-binder';
import { referenceError } from './reference-errors';
import { CodeList } from './reference-shape';
import { ErrorCode } from '../../core/errors/error-codes';

/** Topographical modifiers of a target area, replaced as a set (reference `TopographicalModifierCodes`). */
const MODIFIERS: CodeList = {
  field: 'topographicalModifierCodes',
  table: 'target_area_topographical_modifier',
  on: { targetAreaId: 'id' },
  column: 'topographicalModifierCode',
  fill: {},
};

const notFound = (code: ErrorCode, what: string) => new AppError(404, code, `${what} not found`, { shape: 'detail' });
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const timestamp = (value: unknown) => (typeof value === 'string' && DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);

interface TargetAreaInput {
  bodyStructureCode: unknown;
  lateralityCode: unknown;
  modifiers: string[];
}

/**
 * The IRIS mobile app's session uploads (iris-desktop-api.md §3.11 M1, M3, M4): writes that span
 * several tables (a session with its target area and modifiers; a record with its first channel),
 * composed from the CRUD engine's building blocks in one transaction, with the engine's own
 * validation of every table's columns.
 */
@Injectable()
export class ClinicalSessionIntake {
  constructor(
    private readonly engine: CrudEngine,
    private readonly resources: CrudResources,
    private readonly reference: ReferenceApi,
  ) {}

  /** M1: create or overwrite a session by its client id; the target area when given. */
  async upsert(body: unknown, actor: Actor): Promise<Row> {
    const f = new Fields(body);
    const sessions = this.resource('sessions');
    if (!isUuid(f.raw('id'))) throw validationError([{ field: 'id', problems: ['is required: the client\'s session UUID'] }]);
    const values = this.engine.validateBody(sessions, {
      id: f.raw('id'),
      researchId: f.raw('researchId') ?? null,
      volunteerId: f.raw('volunteerId'),
      startAt: timestamp(f.raw('startAt')),
      finishedAt: timestamp(f.raw('finishedAt')) ?? null,
    }, 'create');
    const target = this.targetArea(f.raw('targetArea'));
    return this.engine.transaction(async (db) => {
      const address = this.key(sessions, values);
      const set = new Map([...values].filter(([column]) => !column.primary));
      const existing = await this.engine.updateRow(sessions, address, set, this.engine.nativeShape(sessions), undefined, db).catch(this.referenced);
      if (!existing) await this.engine.insertRow(sessions, values, this.engine.nativeShape(sessions), db).catch(this.referenced);
      if (target) await this.saveTargetArea(address[0].value as string, target, actor, db);
      return (await this.engine.selectOne(sessions, this.engine.nativeShape(sessions), address, undefined, db))!;
    });
  }

  /** M3: finish a session and/or replace its target area. */
  async update(id: string, body: unknown, actor: Actor): Promise<Row> {
    if (!isUuid(id)) throw notFound('ERR_CLINICAL_SESSION_NOT_FOUND', 'clinical session');
    const f = new Fields(body);
    const sessions = this.resource('sessions');
    const given = f.raw('finishedAt');
    const set = given === undefined || given === null || given === '' ? new Map<ColumnModel, unknown>() : this.engine.validateBody(sessions, { finishedAt: timestamp(given) }, 'update');
    const target = this.targetArea(f.raw('targetArea'));
    return this.engine.transaction(async (db) => {
      const address = [{ column: sessions.byProperty.get('id')!, value: id.toLowerCase() }];
      const row = set.size
        ? await this.engine.updateRow(sessions, address, set, this.engine.nativeShape(sessions), undefined, db)
        : await this.engine.selectOne(sessions, this.engine.nativeShape(sessions), address, undefined, db);
      if (!row) throw notFound('ERR_CLINICAL_SESSION_NOT_FOUND', 'clinical session');
      if (target) await this.saveTargetArea(id.toLowerCase(), target, actor, db);
      return (await this.engine.selectOne(sessions, this.engine.nativeShape(sessions), address, undefined, db))!;
    });
  }

  /** M4: a record of the session and its channel; an existing record id returns that record unchanged. */
  async addRecording(sessionId: string, body: unknown): Promise<Row> {
    if (!isUuid(sessionId)) throw notFound('ERR_CLINICAL_SESSION_NOT_FOUND', 'clinical session');
    const f = new Fields(body);
    if (!isUuid(f.raw('id'))) throw validationError([{ field: 'id', problems: ['is required: the client\'s record UUID'] }]);
    const records = this.resource('session-records');
    const channels = this.resource('record-channels');
    const collectionDate = timestamp(f.raw('collectionDate'));
    const record = this.engine.validateBody(records, { id: f.raw('id'), collectionDate, sessionId, recordType: f.raw('signalType') }, 'create');
    const channel = this.engine.validateBody(channels, {
      id: randomUUID(),
      sensorId: f.raw('sensorId') ?? null,
      signalType: f.raw('signalType'),
      samplingRate: f.raw('samplingRate'),
      samplesCount: f.raw('samplesCount'),
      startTimestamp: collectionDate,
    }, 'create');
    const session = { column: records.byProperty.get('recordSessionId')!, value: sessionId.toLowerCase() };
    return this.engine.transaction(async (db) => {
      const sessions = this.resource('sessions');
      const found = await this.engine.selectOne(sessions, this.engine.nativeShape(sessions), [{ column: sessions.byProperty.get('id')!, value: session.value }], undefined, db);
      if (!found) throw notFound('ERR_CLINICAL_SESSION_NOT_FOUND', 'clinical session');
      const address = this.key(records, record);
      const existing = await this.engine.selectOne(records, this.engine.nativeShape(records), address, undefined, db);
      if (existing) return existing;
      record.set(session.column, session.value);
      await this.engine.insertRow(records, record, this.engine.nativeShape(records), db);
      channel.set(channels.byProperty.get('recordId')!, address[0].value);
      await this.engine.insertRow(channels, channel, this.engine.nativeShape(channels), db).catch(this.referenced);
      return (await this.engine.selectOne(records, this.engine.nativeShape(records), address, undefined, db))!;
    });
  }

  private targetArea(raw: unknown): TargetAreaInput | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw validationError([{ field: 'targetArea', problems: ['must be an object or null'] }]);
    const f = new Fields(raw);
    const codes = f.raw('topographicalModifierCodes') ?? [];
    const problems: FieldProblem[] = [];
    if (!Array.isArray(codes) || codes.some((c) => typeof c !== 'string' || c === '') || codes.length > 100) {
      problems.push({ field: 'targetArea.topographicalModifierCodes', problems: ['must be an array of codes (at most 100)'] });
    }
    if (problems.length) throw validationError(problems);
    return { bodyStructureCode: f.raw('bodyStructureCode'), lateralityCode: f.raw('lateralityCode') ?? null, modifiers: [...new Set(codes as string[])] };
  }

  /** One target area per session: updated in place or created, linked from the session, modifiers replaced. */
  private async saveTargetArea(sessionId: string, input: TargetAreaInput, actor: Actor, db: EntityManager): Promise<void> {
    const areas = this.resource('session-target-area');
    const sessions = this.resource('sessions');
    const values = this.engine.validateBody(areas, { bodyStructureCode: input.bodyStructureCode, lateralityCode: input.lateralityCode }, 'update');
    const bySession = [{ column: areas.byProperty.get('recordSessionId')!, value: sessionId }];
    let area = await this.engine.updateRow(areas, bySession, values, this.engine.nativeShape(areas), undefined, db).catch(this.referenced);
    if (!area) {
      values.set(areas.byProperty.get('id')!, randomUUID());
      values.set(bySession[0].column, sessionId);
      area = (await this.engine.insertRow(areas, values, this.engine.nativeShape(areas), db).catch(this.referenced))!;
    }
    const areaId = { column: areas.byProperty.get('id')!, value: area.id };
    await this.engine.updateRow(sessions, [{ column: sessions.byProperty.get('id')!, value: sessionId }], new Map([[sessions.byProperty.get('targetAreaId')!, area.id]]), this.engine.nativeShape(sessions), undefined, db);
    await this.reference.replaceCodes(MODIFIERS, [areaId], input.modifiers, actor, db);
  }

  /** A new session's unknown volunteer is the reference's 404 (other missing references stay 422). */
  private readonly referenced = (error: unknown): never => {
    if (error instanceof AppError && error.code === 'ERR_REFERENCE_NOT_FOUND' && error.details?.field === 'volunteerId') {
      throw new AppError(404, 'ERR_VOLUNTEER_NOT_FOUND', error.message, { shape: 'detail', details: error.details });
    }
    throw error;
  };

  private key(resource: CompiledResource, values: Map<ColumnModel, unknown>): Assignment[] {
    return resource.model.key.map((k) => {
      const column = resource.model.columns.find((c) => c.column === k)!;
      return { column, value: values.get(column) };
    });
  }

  private resource(name: string): CompiledResource {
    return this.resources.get(name);
  }
}

/** Reference ClinicalSessionController writes used by the IRIS mobile app (M1, M3, M4). */
@ApiTags('reference (IRIS)')
@ApiBearerAuth()
@RequireUser()
@Controller('api/ClinicalSession')
export class ClinicalSessionController {
  constructor(private readonly intake: ClinicalSessionIntake) {}

  @ApiOperation({ summary: 'Reference: create or overwrite a clinical session (client id) with its target area' })
  @Post('New')
  @HttpCode(200)
  upsert(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    return this.intake.upsert(body, { researcherId: req.user?.researcherId }).catch((e: unknown) => Promise.reject(referenceError(e)));
  }

  @ApiOperation({ summary: 'Reference: finish a clinical session and/or replace its target area' })
  @Put('Update/:id')
  update(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    return this.intake.update(id, body, { researcherId: req.user?.researcherId }).catch((e: unknown) => Promise.reject(referenceError(e)));
  }

  @ApiOperation({ summary: 'Reference: add a recording (record + channel) to a clinical session; idempotent on the record id' })
  @Post(':sessionId/recordings/New')
  @HttpCode(200)
  addRecording(@Param('sessionId') sessionId: string, @Body() body: unknown) {
    return this.intake.addRecording(sessionId, body).catch((e: unknown) => Promise.reject(referenceError(e)));
  }
}
