import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config';
import { AppError } from '../core/errors/app-error';
import { FieldProblem, validationError } from '../core/validation';
import { localNodeUuid } from '../core/local-node';
import { ColumnModel } from '../core/sync-kernel/table-model';
import { jsonObject, q, wireColumns } from '../core/sync-kernel/sql';
import { decodeJson, decodeText } from './column-codec';
import { CompiledResource, isGeneratedKey } from './compiled-resource';
import { mapWriteError, notFound } from './crud-errors';
import { ErrorCode } from '../core/errors/error-codes';

export type Row = Record<string, unknown>;
export type PathParams = Record<string, string>;

export interface Page {
  data: Row[];
  page: number;
  pageSize: number;
  totalRecords: number;
  totalPages: number;
}

export const PAGE_SIZE = { default: 50, max: 500 } as const;

/** A column with the value a path, query or body gave it (already decoded for PostgreSQL). */
export interface Assignment {
  column: ColumnModel;
  value: unknown;
}

/** Collects SQL parameters and renders `$n::type` placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown, column: ColumnModel): string {
    this.values.push(value);
    return `$${this.values.length}::${column.type}`;
  }
}

/** Extra SQL conditions on alias `t`, with their parameters in the same Params. */
export type ExtraWhere = (params: Params) => string[];

/**
 * How rows are rendered and listed: the node's own shape (every wire column, ordered by key) or
 * another route shape of the same table (the reference's DTOs, src/crud/reference).
 */
export interface ReadShape {
  /** JSON object of one row of alias `t`. */
  projection: string;
  /** List order before the key (SQL on alias `t`). */
  order?: string[];
  /** Completes rendered rows with data owned by other modules (e.g. the node registry). */
  finish?: (rows: Row[]) => Promise<Row[]>;
}

/** A write that meets an existing row with the same key: revive it only when `whereNull` is not null. */
export interface ReviveOnConflict {
  set: Map<ColumnModel, unknown>;
  whereNotNull: ColumnModel;
}

const equals = (alias: string, assignments: Assignment[], params: Params) =>
  assignments.map(({ column, value }) => `${alias}.${q(column.column)} = ${params.add(value, column)}`);

/**
 * The one CRUD engine: executes any resource definition with SQL built from its table model.
 * Rows are rendered as JSON in SQL (timestamps as µs UTC text); inputs are validated against the
 * column model and cast by PostgreSQL. Every write is one statement (atomic) or runs in one
 * transaction; triggers stamp updated_at/created_at/change_xid/origin_node_id and write tombstones.
 * The native routes (crud-controllers.ts) use the operations; other route shapes of the same
 * resources (the reference API) compose the building blocks below them.
 */
@Injectable()
export class CrudEngine {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  // ---- the node's own operations ------------------------------------------------------------

  async list(r: CompiledResource, path: PathParams, query: Record<string, unknown>): Promise<Page> {
    const scope = this.decodeAddress(r, path, 'scope');
    const { page, pageSize, filters } = this.decodeQuery(r, query);
    await this.requireParent(r, scope);
    const { rows, total } = await this.selectRows(r, this.nativeShape(r), [...scope, ...filters], undefined, { limit: pageSize, offset: (page - 1) * pageSize });
    return { data: rows, page, pageSize, totalRecords: total, totalPages: Math.ceil(total / pageSize) };
  }

  async get(r: CompiledResource, path: PathParams): Promise<Row> {
    const row = await this.selectOne(r, this.nativeShape(r), this.decodeAddress(r, path, 'address'));
    if (!row) throw notFound(r, path);
    return row;
  }

  async create(r: CompiledResource, path: PathParams, body: unknown): Promise<Row> {
    const values = this.validateBody(r, body, 'create');
    for (const { column, value } of this.decodeAddress(r, path, 'scope')) values.set(column, value);
    return (await this.insertRow(r, this.withNodeValues(r, values), this.nativeShape(r)))!;
  }

  async update(r: CompiledResource, path: PathParams, body: unknown): Promise<Row> {
    const address = this.decodeAddress(r, path, 'address');
    const set = this.validateBody(r, body, 'update');
    if (set.size === 0) throw validationError([{ field: '(body)', problems: ['must contain at least one updatable field'] }]);
    const row = await this.updateRow(r, address, set, this.nativeShape(r));
    if (!row) throw notFound(r, path);
    return row;
  }

  async remove(r: CompiledResource, path: PathParams): Promise<void> {
    if (!(await this.deleteRow(r, this.decodeAddress(r, path, 'address')))) throw notFound(r, path);
  }

  // ---- building blocks ----------------------------------------------------------------------

  /** Every wire column, listed by key. */
  nativeShape(r: CompiledResource): ReadShape {
    return { projection: jsonObject('t', wireColumns(r.model)) };
  }

  /** Runs `work` in one transaction (multi-statement writes of other route shapes). */
  transaction<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The path's scope columns, or the whole row address (scope + item key). */
  decodeAddress(r: CompiledResource, path: PathParams, part: 'scope' | 'address'): Assignment[] {
    const wanted = part === 'scope' ? r.scope : [...r.scope, ...r.item];
    const problems: FieldProblem[] = [];
    const decoded = wanted.map(({ param, column }) => {
      const result = decodeText(column, path[param] ?? '');
      if (!result.ok) problems.push({ field: param, problems: [result.problem] });
      return { column, value: result.ok ? result.value : null };
    });
    if (problems.length) throw validationError(problems);
    return decoded;
  }

  /** Checks a body against the writable columns of the resource; every problem is reported at once. */
  validateBody(r: CompiledResource, body: unknown, kind: 'create' | 'update'): Map<ColumnModel, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw validationError([{ field: '(body)', problems: ['must be a JSON object'] }]);
    }
    const allowed = new Map((kind === 'create' ? r.creatable : r.updatable).map((c) => [c.property, c]));
    const problems: FieldProblem[] = [];
    const values = new Map<ColumnModel, unknown>();
    for (const [field, raw] of Object.entries(body)) {
      const column = allowed.get(field);
      if (!column) {
        problems.push({ field, problems: [this.whyNotWritable(r, field, kind)] });
        continue;
      }
      const result = decodeJson(column, raw);
      if (result.ok) values.set(column, result.value);
      else problems.push({ field, problems: [result.problem] });
    }
    if (kind === 'create') {
      for (const column of r.required) {
        if (!(column.property in body)) problems.push({ field: column.property, problems: ['is required'] });
      }
    }
    if (problems.length) throw validationError(problems);
    return values;
  }

  /** Adds what this node sets itself on insert: its own research node id, a generated key. */
  withNodeValues(r: CompiledResource, values: Map<ColumnModel, unknown>): Map<ColumnModel, unknown> {
    for (const column of r.model.columns) {
      if (column.local === 'localNodeId') values.set(column, localNodeUuid(this.config.node.nodeId));
      if (isGeneratedKey(column, r.model) && !values.has(column)) values.set(column, randomUUID());
    }
    return values;
  }

  /** Rows matching the conditions, rendered by the shape, with the total count; no limit = all. */
  async selectRows(
    r: CompiledResource,
    shape: ReadShape,
    conditions: Assignment[],
    extra?: ExtraWhere,
    window?: { limit: number; offset: number },
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ rows: Row[]; total: number }> {
    const params = new Params();
    const where = [...equals('t', conditions, params), ...(extra?.(params) ?? [])];
    const from = `FROM ${q(r.model.table)} t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const order = [...(shape.order ?? []), ...r.model.key.map((k) => `t.${q(k)}`)].join(', ');
    const limit = window ? ` LIMIT ${window.limit} OFFSET ${window.offset}` : '';
    const [{ total }] = await db.query(`SELECT count(*)::int AS total ${from}`, params.values);
    const rows: { row: Row }[] = await db.query(`SELECT ${shape.projection} AS row ${from} ORDER BY ${order}${limit}`, params.values);
    return { rows: await this.finish(shape, rows.map((x) => x.row)), total };
  }

  async selectOne(r: CompiledResource, shape: ReadShape, address: Assignment[], extra?: ExtraWhere, db?: EntityManager): Promise<Row | undefined> {
    return (await this.selectRows(r, shape, address, extra, undefined, db)).rows[0];
  }

  /**
   * INSERT … RETURNING the shape. With `revive`, a clash on the key updates the existing row instead
   * when its `whereNotNull` column is set (a removed link added again) and yields undefined when it
   * is not (the row is live: the caller answers 409).
   */
  async insertRow(
    r: CompiledResource,
    values: Map<ColumnModel, unknown>,
    shape: ReadShape,
    db: EntityManager = this.dataSource.manager,
    revive?: ReviveOnConflict,
  ): Promise<Row | undefined> {
    const params = new Params();
    const columns = [...values.keys()];
    const placeholders = columns.map((c) => params.add(values.get(c), c));
    let conflict = '';
    if (revive) {
      const set = [...revive.set].map(([column, value]) => `${q(column.column)} = ${params.add(value, column)}`);
      const key = r.model.key.map(q).join(', ');
      const assigned = columns.filter((c) => !c.primary && !revive.set.has(c)).map((c) => `${q(c.column)} = EXCLUDED.${q(c.column)}`);
      conflict = ` ON CONFLICT (${key}) DO UPDATE SET ${[...assigned, ...set].join(', ')} WHERE t.${q(revive.whereNotNull.column)} IS NOT NULL`;
    }
    const sql =
      `INSERT INTO ${q(r.model.table)} AS t (${columns.map((c) => q(c.column)).join(', ')}) ` +
      `VALUES (${placeholders.join(', ')})${conflict} RETURNING ${r.model.key.map((k) => `t.${q(k)}`).join(', ')}`;
    let inserted: Row[];
    try {
      inserted = await db.query(sql, params.values);
    } catch (error) {
      mapWriteError(r, 'create', error);
    }
    if (inserted.length === 0) return undefined;
    return this.selectOne(r, shape, this.keyOf(r, inserted[0]), undefined, db);
  }

  /** UPDATE of the addressed row; undefined when no row matched (also when `extra` excludes it). */
  async updateRow(
    r: CompiledResource,
    address: Assignment[],
    set: Map<ColumnModel, unknown>,
    shape: ReadShape,
    extra?: ExtraWhere,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Row | undefined> {
    const params = new Params();
    const assignments = [...set].map(([column, value]) => `${q(column.column)} = ${params.add(value, column)}`);
    const where = [...equals('t', address, params), ...(extra?.(params) ?? [])].join(' AND ');
    const sql = `UPDATE ${q(r.model.table)} AS t SET ${assignments.join(', ')} WHERE ${where} RETURNING ${r.model.key.map((k) => `t.${q(k)}`).join(', ')}`;
    let rows: Row[];
    try {
      [rows] = await db.query(sql, params.values);
    } catch (error) {
      mapWriteError(r, 'update', error);
    }
    if (rows.length === 0) return undefined;
    return this.selectOne(r, shape, this.keyOf(r, rows[0]), undefined, db);
  }

  /** DELETE of the addressed row (every row matching the conditions); false when none matched. */
  async deleteRow(r: CompiledResource, address: Assignment[], extra?: ExtraWhere, db: EntityManager = this.dataSource.manager): Promise<boolean> {
    const params = new Params();
    const where = [...equals('t', address, params), ...(extra?.(params) ?? [])].join(' AND ');
    let affected: number;
    try {
      [, affected] = await db.query(`DELETE FROM ${q(r.model.table)} AS t WHERE ${where}`, params.values);
    } catch (error) {
      mapWriteError(r, 'delete', error);
    }
    return affected > 0;
  }

  /** A scoped list or a single resource under a missing parent is a 404, not an empty answer. */
  async requireParent(r: CompiledResource, scope: Assignment[], options: { code?: ErrorCode; db?: EntityManager } = {}): Promise<void> {
    const { code = 'ERR_NOT_FOUND', db = this.dataSource.manager } = options;
    for (const fk of r.model.foreignKeys) {
      const parts = fk.columns.map((c) => scope.find((s) => s.column.column === c));
      if (parts.length === 0 || parts.some((p) => !p)) continue;
      const params = new Params();
      const where = fk.referencedColumns.map((c, i) => `${q(c)} = ${params.add(parts[i]!.value, parts[i]!.column)}`);
      const found = await db.query(`SELECT 1 FROM ${q(fk.referencedTable)} WHERE ${where.join(' AND ')}`, params.values);
      if (found.length === 0) {
        throw new AppError(404, code, `parent ${fk.referencedTable} ${parts.map((p) => p!.value).join(', ')} not found`);
      }
    }
  }

  private keyOf(r: CompiledResource, returned: Row): Assignment[] {
    return r.model.key.map((k) => {
      const column = r.model.columns.find((c) => c.column === k)!;
      return { column, value: returned[k] };
    });
  }

  private async finish(shape: ReadShape, rows: Row[]): Promise<Row[]> {
    return shape.finish && rows.length ? shape.finish(rows) : rows;
  }

  private decodeQuery(r: CompiledResource, query: Record<string, unknown>) {
    const problems: FieldProblem[] = [];
    const number = (name: string, fallback: number, max: number): number => {
      const raw = query[name];
      if (raw === undefined) return fallback;
      const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(value >= 1 && value <= max)) problems.push({ field: name, problems: [`must be an integer from 1 to ${max}`] });
      return value;
    };
    const page = number('page', 1, 1_000_000);
    const pageSize = number('pageSize', PAGE_SIZE.default, PAGE_SIZE.max);
    const scoped = new Set(r.scope.map((s) => s.param));
    const filters: Assignment[] = [];
    for (const [name, raw] of Object.entries(query)) {
      if (name === 'page' || name === 'pageSize') continue;
      const column = r.byProperty.get(name);
      if (!column || scoped.has(name) || column.column === 'change_xid') {
        problems.push({ field: name, problems: ['is not a filter of this resource'] });
        continue;
      }
      if (typeof raw !== 'string') {
        problems.push({ field: name, problems: ['must be given once, as a plain value'] });
        continue;
      }
      const result = decodeText(column, raw);
      if (result.ok) filters.push({ column, value: result.value });
      else problems.push({ field: name, problems: [result.problem] });
    }
    if (problems.length) throw validationError(problems);
    return { page, pageSize, filters };
  }

  private whyNotWritable(r: CompiledResource, field: string, kind: 'create' | 'update'): string {
    const column = r.byProperty.get(field);
    if (!column) return 'is not a field of this resource';
    if (column.managed) return 'is maintained by the database and cannot be set';
    if (column.local) return 'is set by this node and cannot be set';
    if (r.scope.some((s) => s.column === column)) return 'is given by the path';
    if (kind === 'update' && column.primary) return 'is part of the key and cannot change';
    return 'is read-only here';
  }
}
