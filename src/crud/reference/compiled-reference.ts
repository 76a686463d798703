import { ColumnModel, TableModel } from '../../core/sync-kernel/table-model';
import { jsonObject, q, wireValue } from '../../core/sync-kernel/sql';
import { CompiledResource, compileResource } from '../compiled-resource';
import { ExtraWhere, Params } from '../crud-engine';
import { ResourceDefinition } from '../resource-definition';
import { Condition, JsonScalar, QueryFilter, ReferenceRoute, ReferenceShape, ReferenceView, ViewField } from './reference-shape';
import { ErrorCode } from '../../core/errors/error-codes';

/** One reference route resolved against the table models at boot (a name that does not exist stops the node). */
export interface CompiledReferenceRoute {
  /** Operation id, e.g. "volunteers.ref.list.0". */
  id: string;
  shape: ReferenceShape;
  route: ReferenceRoute;
  /** The table addressed by this route's path (list/create: every param is a scope). */
  resource: CompiledResource;
  /** JSON of one row as the reference's DTO (alias `t`). */
  projection: string;
  order: string[];
  /** Wire members holding a research node id to be replaced by its registry DTO. */
  nodeFields: string[];
  /** Fixed list conditions of the route. */
  where: ExtraWhere;
  /** Query parameters (lower-case name) the route accepts. */
  filters: Map<string, { name: string; filter: QueryFilter; column: ColumnModel }>;
  /** Link table of `through` routes, addressed by the path params. */
  through?: { resource: CompiledResource; join: [ColumnModel, ColumnModel][]; live: ColumnModel[]; notFoundCode: ErrorCode };
  /** Column that is null while a soft-removed link is live. */
  liveColumn?: ColumnModel;
}

export type TableLookup = (table: string) => TableModel;

function columnOf(model: TableModel, property: string, where: string): ColumnModel {
  const column = model.columns.find((c) => c.property === property);
  if (!column) throw new Error(`reference shape ${where}: ${property} is no property of table ${model.table}`);
  return column;
}

export function literal(value: JsonScalar): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `'${value.replace(/'/g, "''")}'::text`;
}

/** Renders a reference view as SQL over `alias` of `model`; nested objects get their own aliases. */
class ViewCompiler {
  private aliases = 0;
  readonly nodeFields: string[] = [];

  constructor(
    private readonly tables: TableLookup,
    private readonly where: string,
  ) {}

  object(view: ReferenceView, alias: string, model: TableModel, top: boolean): string {
    const pairs = Object.entries(view).map(([name, field]) => [name, this.field(name, field, alias, model, top)] as [string, string]);
    return jsonObject(alias, [], pairs);
  }

  private field(name: string, field: ViewField, alias: string, model: TableModel, top: boolean): string {
    if (typeof field === 'string') return wireValue(alias, columnOf(model, field, this.where));
    if ('value' in field) return literal(field.value);
    if ('researchNode' in field) {
      if (!top) throw new Error(`reference shape ${this.where}: researchNode is only allowed at the top level`);
      this.nodeFields.push(name);
      return `${alias}.${q(columnOf(model, field.researchNode, this.where).column)}`;
    }
    const table = 'count' in field ? field.count : 'codes' in field ? field.codes : 'lookup' in field ? field.lookup : field.object;
    const other = this.tables(table);
    const a = `r${++this.aliases}`;
    const join = Object.entries(field.on).map(
      ([theirs, ours]) => `${a}.${q(columnOf(other, theirs, this.where).column)} = ${alias}.${q(columnOf(model, ours, this.where).column)}`,
    );
    if ('count' in field) {
      const live = (field.whereNull ?? []).map((p) => `${a}.${q(columnOf(other, p, this.where).column)} IS NULL`);
      return `(SELECT count(*)::int FROM ${q(table)} ${a} WHERE ${[...join, ...live].join(' AND ')})`;
    }
    if ('codes' in field) {
      const value = wireValue(a, columnOf(other, field.column, this.where));
      return `(SELECT coalesce(jsonb_agg(${value} ORDER BY ${value}), '[]'::jsonb) FROM ${q(table)} ${a} WHERE ${join.join(' AND ')})`;
    }
    if ('lookup' in field) {
      return `(SELECT ${wireValue(a, columnOf(other, field.column, this.where))} FROM ${q(table)} ${a} WHERE ${join.join(' AND ')})`;
    }
    return `(SELECT ${this.object(field.view, a, other, false)} FROM ${q(table)} ${a} WHERE ${join.join(' AND ')})`;
  }
}

function conditions(list: Condition[], model: TableModel, where: string): ExtraWhere {
  const compiled = list.map((c) => ({ c, column: columnOf(model, c.property, where) }));
  return (params: Params) =>
    compiled.map(({ c, column }) => {
      const ref = `t.${q(column.column)}`;
      if ('isNull' in c) return `${ref} IS ${c.isNull ? '' : 'NOT '}NULL`;
      if ('notPast' in c) return `(${ref} IS NULL OR ${ref} >= clock_timestamp())`;
      return `${ref} = ${params.add(c.equals, column)}`;
    });
}

/** Path params of the route, with the collection routes (list, create) treating all of them as scope. */
function addressing(base: ResourceDefinition, route: ReferenceRoute, path: string): ResourceDefinition {
  return { ...base, path, single: route.op === 'list' || route.op === 'create' };
}

export function compileReferenceRoute(
  shape: ReferenceShape,
  route: ReferenceRoute,
  index: number,
  base: ResourceDefinition,
  tables: TableLookup,
): CompiledReferenceRoute {
  const where = `${shape.resource} ${route.method} ${route.path}`;
  const model = tables(base.table);
  let resource: CompiledResource;
  let through: CompiledReferenceRoute['through'];
  if (route.through) {
    const link = tables(route.through.table);
    resource = compileResource(addressing(base, route, ''), model);
    const linkDef: ResourceDefinition = { name: `${base.name}-via-${link.table}`, table: link.table, path: route.path, tag: base.tag, single: true };
    through = {
      resource: compileResource(linkDef, link),
      join: Object.entries(route.through.on).map(([theirs, ours]) => [columnOf(link, theirs, where), columnOf(model, ours, where)]),
      live: (route.through.whereNull ?? []).map((p) => columnOf(link, p, where)),
      notFoundCode: route.through.notFoundCode,
    };
  } else {
    resource = compileResource(addressing(base, route, route.path), model);
  }
  const views = new ViewCompiler(tables, where);
  const projection = views.object(shape.view, 't', model, true);
  const filters = new Map(
    Object.entries(route.query ?? {}).map(([name, filter]) => [name.toLowerCase(), { name, filter, column: columnOf(model, filter.property, where) }]),
  );
  for (const property of [
    ...Object.values(shape.aliases ?? {}),
    ...Object.keys(shape.transforms ?? {}),
    ...Object.keys(shape.defaults ?? {}),
    ...(shape.nonEmpty ?? []),
    ...Object.keys(shape.oneOf ?? {}),
    ...(shape.urls ?? []),
    ...(shape.notFuture ?? []),
    ...(shape.replaceOnUpdate ?? []),
    ...Object.keys(shape.referenceCodes ?? {}),
    ...(shape.exclusive ? [shape.exclusive.property, ...shape.exclusive.within] : []),
  ]) {
    columnOf(model, property, where);
  }
  for (const list of shape.codeLists ?? []) {
    const child = tables(list.table);
    columnOf(child, list.column, where);
    for (const [theirs, ours] of Object.entries(list.on)) {
      columnOf(child, theirs, where);
      columnOf(model, ours, where);
    }
    for (const property of Object.keys(list.fill)) columnOf(child, property, where);
  }
  const softRemove = shape.softRemove;
  if (softRemove) for (const p of [...Object.keys(softRemove.set), ...Object.keys(softRemove.reactivate)]) columnOf(model, p, where);
  return {
    id: `${shape.resource}.ref.${route.op}.${index}`,
    shape,
    route,
    resource,
    projection,
    order: (shape.order ?? []).map(([property, direction]) => `t.${q(columnOf(model, property, where).column)} ${direction}`),
    nodeFields: views.nodeFields,
    where: conditions(route.where ?? [], model, where),
    filters,
    through,
    liveColumn: softRemove ? columnOf(model, softRemove.activeWhenNull, where) : undefined,
  };
}
