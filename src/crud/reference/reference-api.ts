import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { FieldProblem, validationError } from '../../core/validation';
import { ColumnModel } from '../../core/sync-kernel/table-model';
import { jsonObject, q } from '../../core/sync-kernel/sql';
import { ResearchNode } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { toConnectionDto } from '../../nodes/node-connection.dto';
import { decodeJson, decodeText } from '../column-codec';
import { CompiledResource } from '../compiled-resource';
import { Assignment, CrudEngine, ExtraWhere, Params, PathParams, ReadShape, Row } from '../crud-engine';

import { CrudResources } from '../crud-resources';
import { CompiledReferenceRoute } from './compiled-reference';
import { Actor, BoundBody, bindReferenceBody, fillValue } from './reference-binder';
import { ReferencePage, referencePage, referencePaging } from './reference-paging';
import { ReferenceRoutes } from './reference-routes';
import { CodeList, FillValue } from './reference-shape';

const and = (...parts: (ExtraWhere | undefined)[]): ExtraWhere => (params) => parts.flatMap((p) => p?.(params) ?? []);

/** ResearchNodeConnectionDTO as the reference fills it inside research DTOs (identity and state; no certificate, no sync history). */
function researchNodeDto(node: ResearchNode) {
  return { ...toConnectionDto(node), contactInfo: '', certificate: '', certificateFingerprint: '', institutionDetails: '', lastSyncedAt: null, lastSyncStatus: null };
}

/**
 * Executes the reference routes (reference-shapes/) with the CRUD engine's building blocks: the
 * same path decoding, body validation, SQL and error mapping as the node's own routes, so writes
 * through either shape are the same rows, change-tracked and synced alike. Multi-row writes (code
 * lists, the principal flag, reviving a removed link) run in one transaction.
 */
@Injectable()
export class ReferenceApi {
  constructor(
    private readonly engine: CrudEngine,
    private readonly resources: CrudResources,
    private readonly routes: ReferenceRoutes,
    private readonly registry: NodeRegistryService,
  ) {}

  async list(id: string, path: PathParams, query: Record<string, unknown>): Promise<ReferencePage<Row> | Row[]> {
    const r = this.routes.get(id);
    if (r.route.array) return this.listAll(id, path, query);
    const scope = await this.listScope(r, path);
    const extra = and(r.where, this.queryFilters(r, query), scope.extra);
    const { page, pageSize } = referencePaging(query);
    const { rows, total } = await this.engine.selectRows(r.resource, this.read(r), scope.equal, extra, { limit: pageSize, offset: (page - 1) * pageSize });
    return referencePage(rows, page, pageSize, total);
  }

  /** Every row of a list route, unpaged (bare-array routes; the research export). */
  async listAll(id: string, path: PathParams, query: Record<string, unknown> = {}): Promise<Row[]> {
    const r = this.routes.get(id);
    const scope = await this.listScope(r, path);
    return (await this.engine.selectRows(r.resource, this.read(r), scope.equal, and(r.where, this.queryFilters(r, query), scope.extra))).rows;
  }

  async get(id: string, path: PathParams): Promise<Row> {
    const r = this.routes.get(id);
    const row = await this.engine.selectOne(r.resource, this.read(r), this.engine.decodeAddress(r.resource, path, 'address'), this.live(r));
    if (!row) throw this.notFound(r);
    return row;
  }

  async create(id: string, path: PathParams, body: unknown, actor: Actor): Promise<Row> {
    const r = this.routes.get(id);
    const scope = this.engine.decodeAddress(r.resource, path, 'scope');
    if (r.shape.parentNotFoundCode) await this.engine.requireParent(r.resource, scope, { code: r.shape.parentNotFoundCode });
    const bound = bindReferenceBody(r, body, 'create', actor);
    const values = this.validate(r, bound, 'create');
    for (const { column, value } of scope) values.set(column, value);
    this.engine.withNodeValues(r.resource, values);
    const lists = this.codeLists(r, bound.codeLists);
    return this.engine.transaction(async (db) => {
      const soft = r.shape.softRemove;
      const revive = soft && r.liveColumn ? { set: this.fills(r.resource, soft.reactivate, actor), whereNotNull: r.liveColumn } : undefined;
      const key = await this.referenced(r, () => this.engine.insertRow(r.resource, values, this.keyShape(r.resource), db, revive));
      if (!key) throw new AppError(409, soft!.conflictCode, `the ${r.shape.resource.replace(/s$/, '')} is already linked`, { shape: 'detail' });
      return this.afterWrite(r, key, values, lists, actor, db);
    });
  }

  async update(id: string, path: PathParams, body: unknown, actor: Actor): Promise<Row> {
    const r = this.routes.get(id);
    const address = this.engine.decodeAddress(r.resource, path, 'address');
    const bound = bindReferenceBody(r, body, 'update', actor);
    const set = this.validate(r, bound, 'update');
    const lists = this.codeLists(r, bound.codeLists);
    return this.engine.transaction(async (db) => {
      const key = set.size
        ? await this.referenced(r, () => this.engine.updateRow(r.resource, address, set, this.keyShape(r.resource), this.live(r), db))
        : await this.engine.selectOne(r.resource, this.keyShape(r.resource), address, this.live(r), db);
      if (!key) throw this.notFound(r);
      return this.afterWrite(r, key, set, lists, actor, db);
    });
  }

  async remove(id: string, path: PathParams): Promise<Record<string, unknown>> {
    const r = this.routes.get(id);
    const address = this.engine.decodeAddress(r.resource, path, 'address');
    const soft = r.shape.softRemove;
    const done = soft
      ? !!(await this.engine.updateRow(r.resource, address, this.fills(r.resource, soft.set, {}), this.keyShape(r.resource), this.live(r)))
      : await this.engine.deleteRow(r.resource, address);
    if (!done) throw this.notFound(r);
    const reply = r.shape.removed ?? { message: 'deleted' };
    return Object.fromEntries(Object.entries(reply).map(([k, v]) => [k, typeof v === 'string' && v.startsWith(':') ? (path[v.slice(1)] ?? null) : v]));
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The engine's validation of the bound payload, reporting the reference's rules in the same answer. */
  private validate(r: CompiledReferenceRoute, bound: BoundBody, kind: 'create' | 'update'): Map<ColumnModel, unknown> {
    try {
      const values = this.engine.validateBody(r.resource, bound.values, kind);
      if (bound.problems.length) throw validationError(bound.problems);
      return values;
    } catch (error) {
      const fields = error instanceof AppError ? (error.details?.fields as FieldProblem[] | undefined) : undefined;
      if (!fields || !bound.problems.length) throw error;
      const merged = new Map<string, string[]>();
      for (const p of [...bound.problems, ...fields]) merged.set(p.field, [...new Set([...(merged.get(p.field) ?? []), ...p.problems])]);
      throw validationError([...merged].map(([field, problems]) => ({ field, problems })));
    }
  }

  private read(r: CompiledReferenceRoute): ReadShape {
    return {
      projection: r.projection,
      order: r.order,
      finish: r.nodeFields.length ? (rows) => this.withResearchNodes(r.nodeFields, rows) : undefined,
    };
  }

  private keyShape(resource: CompiledResource): ReadShape {
    const key = resource.model.key.map((k) => resource.model.columns.find((c) => c.column === k)!);
    return { projection: jsonObject('t', key) };
  }

  /** Soft-removed links are invisible to get, update and remove. */
  private live(r: CompiledReferenceRoute): ExtraWhere | undefined {
    const column = r.liveColumn;
    return column ? () => [`t.${q(column.column)} IS NULL`] : undefined;
  }

  private notFound(r: CompiledReferenceRoute): AppError {
    return new AppError(404, r.shape.notFoundCode, `${r.shape.resource} not found`, { shape: 'detail' });
  }

  /** Writes of one create/update that follow the row: the exclusive flag and code lists; then the DTO. */
  private async afterWrite(r: CompiledReferenceRoute, key: Row, written: Map<ColumnModel, unknown>, lists: Map<CodeList, string[]>, actor: Actor, db: EntityManager): Promise<Row> {
    const address = this.addressOf(r.resource, key);
    const exclusive = r.shape.exclusive;
    if (exclusive && [...written].some(([c, v]) => c.property === exclusive.property && v === true)) {
      const flag = r.resource.byProperty.get(exclusive.property)!;
      const within = address.filter((a) => exclusive.within.includes(a.column.property));
      const others: ExtraWhere = (params) => [`NOT (${address.map((a) => `t.${q(a.column.column)} = ${params.add(a.value, a.column)}`).join(' AND ')})`, `t.${q(flag.column)}`];
      await this.engine.updateRow(r.resource, within, new Map([[flag, false]]), this.keyShape(r.resource), others, db);
    }
    for (const [list, codes] of lists) await this.replaceCodes(list, address, codes, actor, db);
    return (await this.engine.selectOne(r.resource, this.read(r), address, undefined, db))!;
  }

  /** The child rows of a code list become exactly the given codes (missing ones inserted, others deleted). */
  async replaceCodes(list: CodeList, parent: Assignment[], codes: string[], actor: Actor, db: EntityManager): Promise<void> {
    const child = this.childResource(list.table);
    const codeColumn = child.byProperty.get(list.column)!;
    const link: Assignment[] = Object.entries(list.on).map(([theirs, ours]) => ({
      column: child.byProperty.get(theirs)!,
      value: parent.find((a) => a.column.property === ours)?.value,
    }));
    const notListed: ExtraWhere = (params) => {
      params.values.push(codes);
      return [`NOT (t.${q(codeColumn.column)}::text = ANY($${params.values.length}::text[]))`];
    };
    const existing = (await this.engine.selectRows(child, { projection: jsonObject('t', [codeColumn]) }, link, undefined, undefined, db)).rows.map((row) => row[list.column]);
    await this.engine.deleteRow(child, link, notListed, db);
    for (const code of codes.filter((c) => !existing.includes(c))) {
      const values = new Map<ColumnModel, unknown>([...link.map((a) => [a.column, a.value] as [ColumnModel, unknown]), [codeColumn, code]]);
      for (const [column, value] of this.fills(child, list.fill, actor)) values.set(column, value);
      await this.engine.insertRow(child, values, this.keyShape(child), db).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'ERR_REFERENCE_NOT_FOUND') {
          throw new AppError(422, 'ERR_REFERENCE_NOT_FOUND', `${list.field}: ${code} is not a known code`, { details: { field: list.field, value: code } });
        }
        throw error;
      });
    }
  }

  /** Validated code lists of the payload (arrays of non-empty strings, each within the column's length). */
  codeLists(r: Pick<CompiledReferenceRoute, 'shape'>, given: Map<string, unknown>): Map<CodeList, string[]> {
    const problems: FieldProblem[] = [];
    const lists = new Map<CodeList, string[]>();
    for (const list of r.shape.codeLists ?? []) {
      if (!given.has(list.field)) continue;
      const raw = given.get(list.field);
      const column = this.childResource(list.table).byProperty.get(list.column)!;
      if (!Array.isArray(raw) || raw.length > 1000) {
        problems.push({ field: list.field, problems: ['must be an array of codes (at most 1000)'] });
        continue;
      }
      const bad = raw.map((code) => (typeof code === 'string' && code !== '' ? decodeJson(column, code) : { ok: false as const, problem: 'must be a non-empty string' })).find((d) => !d.ok);
      if (bad && !bad.ok) problems.push({ field: list.field, problems: [`every code ${bad.problem}`] });
      else lists.set(list, [...new Set(raw as string[])]);
    }
    if (problems.length) throw validationError(problems);
    return lists;
  }

  private childResource(table: string): CompiledResource {
    const found = this.resources.all().find((c) => c.model.table === table);
    if (!found) throw new Error(`no CRUD resource for table ${table}`);
    return found;
  }

  private fills(resource: CompiledResource, fills: Record<string, FillValue>, actor: Actor): Map<ColumnModel, unknown> {
    const values = new Map<ColumnModel, unknown>();
    for (const [property, fill] of Object.entries(fills)) {
      const column = resource.byProperty.get(property)!;
      const decoded = decodeJson(column, fillValue(fill, actor));
      if (!decoded.ok) throw new Error(`reference fill ${resource.model.table}.${property}: ${decoded.problem}`);
      values.set(column, decoded.value);
    }
    return values;
  }

  /** A payload reference to a missing row is the reference's 404 where it has one (else 422, as natively). */
  private async referenced<T>(r: CompiledReferenceRoute, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const field = error instanceof AppError ? (error.details?.field as string | undefined) : undefined;
      const code = field ? r.shape.referenceCodes?.[field] : undefined;
      if (error instanceof AppError && error.code === 'ERR_REFERENCE_NOT_FOUND' && code) {
        throw new AppError(404, code, error.message, { shape: 'detail', details: error.details });
      }
      throw error;
    }
  }

  private addressOf(resource: CompiledResource, key: Row): Assignment[] {
    return resource.model.key.map((k) => {
      const column = resource.model.columns.find((c) => c.column === k)!;
      return { column, value: key[column.property] };
    });
  }

  /** Scope of a list: equality on the listed table, or (through routes) existence of a live link. */
  private async listScope(r: CompiledReferenceRoute, path: PathParams): Promise<{ equal: Assignment[]; extra?: ExtraWhere }> {
    if (!r.through) {
      const equal = this.engine.decodeAddress(r.resource, path, 'scope');
      if (r.shape.parentNotFoundCode) await this.engine.requireParent(r.resource, equal, { code: r.shape.parentNotFoundCode });
      return { equal };
    }
    const { resource: link, join, live, notFoundCode } = r.through;
    const given = this.engine.decodeAddress(link, path, 'scope');
    const addressesOne = link.model.key.every((k) => given.some((g) => g.column.column === k));
    const linkLive: ExtraWhere = () => live.map((c) => `t.${q(c.column)} IS NULL`);
    if (addressesOne) {
      if (!(await this.engine.selectOne(link, this.keyShape(link), given, linkLive))) throw new AppError(404, notFoundCode, 'link not found', { shape: 'detail' });
    } else if (r.shape.parentNotFoundCode) {
      await this.engine.requireParent(link, given, { code: r.shape.parentNotFoundCode });
    }
    const extra: ExtraWhere = (params) => {
      const on = join.map(([theirs, ours]) => `l.${q(theirs.column)} = t.${q(ours.column)}`);
      const scoped = given.map((g) => `l.${q(g.column.column)} = ${params.add(g.value, g.column)}`);
      const alive = live.map((c) => `l.${q(c.column)} IS NULL`);
      return [`EXISTS (SELECT 1 FROM ${q(link.model.table)} l WHERE ${[...on, ...scoped, ...alive].join(' AND ')})`];
    };
    return { equal: [], extra };
  }

  private queryFilters(r: CompiledReferenceRoute, query: Record<string, unknown>): ExtraWhere {
    const problems: FieldProblem[] = [];
    const parts: ((params: Params) => string)[] = [];
    const given = new Map(Object.entries(query).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [lower, { name, filter, column }] of r.filters) {
      const raw = given.get(lower);
      const ref = `t.${q(column.column)}`;
      if (raw === undefined || raw === '') {
        if ('oneOf' in filter && filter.required) problems.push({ field: name, problems: ['is required'] });
        continue;
      }
      if (typeof raw !== 'string') {
        problems.push({ field: name, problems: ['must be given once, as a plain value'] });
        continue;
      }
      if ('isNullWhen' in filter) {
        const isNull = filter.isNullWhen[raw.toLowerCase()];
        if (isNull === undefined) problems.push({ field: name, problems: [`must be one of ${Object.keys(filter.isNullWhen).join(', ')}`] });
        else parts.push(() => `${ref} IS ${isNull ? '' : 'NOT '}NULL`);
        continue;
      }
      if ('oneOf' in filter && filter.oneOf && !filter.oneOf.includes(raw)) {
        problems.push({ field: name, problems: [`must be one of ${filter.oneOf.join(', ')}`] });
        continue;
      }
      const decoded = decodeText(column, column.type === 'timestamp with time zone' && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
      if (!decoded.ok) {
        problems.push({ field: name, problems: [decoded.problem] });
        continue;
      }
      const op = 'bound' in filter ? (filter.bound === 'from' ? '>=' : '<=') : '=';
      parts.push((params) => `${ref} ${op} ${params.add(decoded.value, column)}`);
    }
    if (problems.length) throw validationError(problems);
    return (params) => parts.map((p) => p(params));
  }

  private async withResearchNodes(fields: string[], rows: Row[]): Promise<Row[]> {
    const ids = rows.flatMap((row) => fields.map((f) => row[f])).filter((v): v is string => typeof v === 'string');
    const nodes = new Map((await this.registry.findMany(ids)).map((n) => [n.id, researchNodeDto(n)]));
    return rows.map((row) => ({ ...row, ...Object.fromEntries(fields.map((f) => [f, nodes.get(row[f] as string) ?? null])) }));
  }
}
