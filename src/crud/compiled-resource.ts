import { ColumnModel, TableModel } from '../core/sync-kernel/table-model';
import { pathParams, ResourceDefinition } from './resource-definition';

/** A resource definition resolved against its table model: who addresses and who writes each column. */
export interface CompiledResource {
  def: ResourceDefinition;
  model: TableModel;
  /** Parent-scope columns, in path order (set from the path, never from the body). */
  scope: { param: string; column: ColumnModel }[];
  /** The item key (empty for single resources). */
  item: { param: string; column: ColumnModel }[];
  /** Columns a client may send on create (includes the item key). */
  creatable: ColumnModel[];
  /** Columns a client may send on update. */
  updatable: ColumnModel[];
  /** Creatable columns a create must carry. */
  required: ColumnModel[];
  /** Every column by property (for filters and messages). */
  byProperty: Map<string, ColumnModel>;
}

/** Key columns the engine generates when a create omits them. */
export function isGeneratedKey(column: ColumnModel, model: TableModel): boolean {
  return column.primary && column.type === 'uuid' && model.key.length === 1;
}

/** Resolves a definition; throws (at boot) when the path and the table model disagree. */
export function compileResource(def: ResourceDefinition, model: TableModel): CompiledResource {
  const byProperty = new Map(model.columns.map((c) => [c.property, c]));
  const columnOf = (param: string): ColumnModel => {
    const column = byProperty.get(param);
    if (!column) throw new Error(`CRUD resource ${def.name}: path param :${param} is no property of table ${def.table}`);
    return column;
  };
  const params = pathParams(def.path).map((param) => ({ param, column: columnOf(param) }));
  const scope = def.single ? params : params.slice(0, -1);
  const item = def.single ? [] : params.slice(-1);
  const addressed = [...scope, ...item].map((p) => p.column.column);
  if (!def.single && !model.key.every((k) => addressed.includes(k))) {
    throw new Error(`CRUD resource ${def.name}: path params ${addressed.join(', ')} do not cover the key ${model.key.join(', ')}`);
  }
  for (const property of def.readOnly ?? []) columnOf(property);
  const readOnly = new Set(def.readOnly ?? []);
  const scopeColumns = new Set(scope.map((s) => s.column.column));
  const creatable = model.columns.filter(
    (c) => !c.managed && !c.local && !readOnly.has(c.property) && !scopeColumns.has(c.column),
  );
  const updatable = creatable.filter((c) => !c.primary);
  const required = creatable.filter((c) => !c.nullable && !c.hasDefault && !isGeneratedKey(c, model));
  return { def, model, scope, item, creatable, updatable, required, byProperty };
}
