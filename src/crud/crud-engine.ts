import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config';
import { AppError } from '../core/errors/app-error';
import { FieldProblem } from '../core/validation';
import { localNodeUuid } from '../core/local-node';
import { ColumnModel } from '../core/sync-kernel/table-model';
import { jsonObject, q, wireColumns } from '../core/sync-kernel/sql';
import { decodeJson, decodeText } from './column-codec';
import { CompiledResource, isGeneratedKey } from './compiled-resource';
import { fieldsError, mapWriteError, notFound } from './crud-errors';

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

/** Collects SQL parameters and renders `$n::type` placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, column: ColumnModel): string {
    this.values.push(value);
    return `$${this.values.length}::${column.type}`;
  }
}

/**
 * The one CRUD engine: executes any resource definition with SQL built from its table model.
 * Rows are rendered as JSON in SQL (timestamps as µs UTC text); inputs are validated against the
 * column model and cast by PostgreSQL. Every write is one statement (atomic); triggers stamp
 * updated_at/created_at/change_xid/origin_node_id and write tombstones.
 */
@Injectable()
export class CrudEngine {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async list(r: CompiledResource, path: PathParams, query: Record<string, unknown>): Promise<Page> {
    const scope = this.decodePath(r, path, r.scope);
    const { page, pageSize, filters } = this.decodeQuery(r, query);
    await this.requireParent(r, scope);
    const params = new Params();
    const where = [...scope, ...filters].map(({ column, value }) => `t.${q(column.column)} = ${params.add(value, column)}`);
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const order = r.model.key.map((k) => `t.${q(k)}`).join(', ');
    const from = `FROM ${q(r.model.table)} t ${whereSql}`;
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total ${from}`, params.values);
    const rows: { row: Row }[] = await this.dataSource.query(
      `SELECT ${jsonObject('t', wireColumns(r.model))} AS row ${from} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      params.values,
    );
    return { data: rows.map((x) => x.row), page, pageSize, totalRecords: total, totalPages: Math.ceil(total / pageSize) };
  }

  async get(r: CompiledResource, path: PathParams): Promise<Row> {
    const params = new Params();
    const where = this.addressSql(r, path, params);
    const rows: { row: Row }[] = await this.dataSource.query(
      `SELECT ${jsonObject('t', wireColumns(r.model))} AS row FROM ${q(r.model.table)} t WHERE ${where}`,
      params.values,
    );
    if (rows.length === 0) throw notFound(r, path);
    return rows[0].row;
  }

  async create(r: CompiledResource, path: PathParams, body: unknown): Promise<Row> {
    const scope = this.decodePath(r, path, r.scope);
    const input = this.decodeBody(r, body, 'create');
    const values = new Map<ColumnModel, unknown>(input);
    for (const { column, value } of scope) values.set(column, value);
    for (const column of r.model.columns) {
      if (column.local === 'localNodeId') values.set(column, localNodeUuid(this.config.node.nodeId));
      if (isGeneratedKey(column, r.model) && !values.has(column)) values.set(column, randomUUID());
    }
    const params = new Params();
    const columns = [...values.keys()];
    const placeholders = columns.map((c) => params.add(values.get(c), c));
    const sql =
      `INSERT INTO ${q(r.model.table)} AS t (${columns.map((c) => q(c.column)).join(', ')}) ` +
      `VALUES (${placeholders.join(', ')}) RETURNING ${jsonObject('t', wireColumns(r.model))} AS row`;
    try {
      const rows: { row: Row }[] = await this.dataSource.query(sql, params.values);
      return rows[0].row;
    } catch (error) {
      mapWriteError(r, 'create', error);
    }
  }

  async update(r: CompiledResource, path: PathParams, body: unknown): Promise<Row> {
    const params = new Params();
    const where = this.addressSql(r, path, params);
    const input = this.decodeBody(r, body, 'update');
    if (input.size === 0) throw fieldsError([{ field: '(body)', problems: ['must contain at least one updatable field'] }]);
    const set = [...input].map(([column, value]) => `${q(column.column)} = ${params.add(value, column)}`);
    const sql = `UPDATE ${q(r.model.table)} AS t SET ${set.join(', ')} WHERE ${where} RETURNING ${jsonObject('t', wireColumns(r.model))} AS row`;
    let rows: { row: Row }[];
    try {
      [rows] = await this.dataSource.query(sql, params.values);
    } catch (error) {
      mapWriteError(r, 'update', error);
    }
    if (rows.length === 0) throw notFound(r, path);
    return rows[0].row;
  }

  async remove(r: CompiledResource, path: PathParams): Promise<void> {
    const params = new Params();
    const where = this.addressSql(r, path, params);
    let affected: number;
    try {
      [, affected] = await this.dataSource.query(`DELETE FROM ${q(r.model.table)} AS t WHERE ${where}`, params.values);
    } catch (error) {
      mapWriteError(r, 'delete', error);
    }
    if (!affected) throw notFound(r, path);
  }

  /** `t.k1 = $1 AND …` for the row a path addresses (scope + item). */
  private addressSql(r: CompiledResource, path: PathParams, params: Params): string {
    const address = this.decodePath(r, path, [...r.scope, ...r.item]);
    return address.map(({ column, value }) => `t.${q(column.column)} = ${params.add(value, column)}`).join(' AND ');
  }

  private decodePath(r: CompiledResource, path: PathParams, wanted: CompiledResource['scope']) {
    const problems: FieldProblem[] = [];
    const decoded = wanted.map(({ param, column }) => {
      const result = decodeText(column, path[param] ?? '');
      if (!result.ok) problems.push({ field: param, problems: [result.problem] });
      return { column, value: result.ok ? result.value : null };
    });
    if (problems.length) throw fieldsError(problems);
    return decoded;
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
    const filters: { column: ColumnModel; value: unknown }[] = [];
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
    if (problems.length) throw fieldsError(problems);
    return { page, pageSize, filters };
  }

  private decodeBody(r: CompiledResource, body: unknown, kind: 'create' | 'update'): Map<ColumnModel, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw fieldsError([{ field: '(body)', problems: ['must be a JSON object'] }]);
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
    if (problems.length) throw fieldsError(problems);
    return values;
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

  /** A scoped list or a single resource under a missing parent is a 404, not an empty answer. */
  private async requireParent(r: CompiledResource, scope: { column: ColumnModel; value: unknown }[]): Promise<void> {
    for (const fk of r.model.foreignKeys) {
      const parts = fk.columns.map((c) => scope.find((s) => s.column.column === c));
      if (parts.length === 0 || parts.some((p) => !p)) continue;
      const params = new Params();
      const where = fk.referencedColumns.map((c, i) => `${q(c)} = ${params.add(parts[i]!.value, parts[i]!.column)}`);
      const found = await this.dataSource.query(`SELECT 1 FROM ${q(fk.referencedTable)} WHERE ${where.join(' AND ')}`, params.values);
      if (found.length === 0) {
        throw new AppError(404, 'ERR_NOT_FOUND', `parent ${fk.referencedTable} ${parts.map((p) => p!.value).join(', ')} not found`);
      }
    }
  }
}
