/**
 * A CRUD resource is pure data: which table, at which path, and the few per-resource facts the
 * column model cannot tell. The engine (crud-engine.ts), the controllers (crud-controllers.ts), the
 * OpenAPI document (openapi.ts) and the generated tests all read this one table (resources.ts).
 */
export interface ResourceDefinition {
  /** Stable name, used in operation ids and test titles, e.g. "volunteer-vital-signs". */
  name: string;
  /** Database table; its columns, types and keys come from the sync catalog's TableModel. */
  table: string;
  /**
   * Item path under /api. Every `:param` names a column *property* of the table. All params but the
   * last scope the resource to its parent (the child's FK columns); the last one is the item key.
   * For a `single` resource every param is a scope and the path addresses the one row.
   */
  path: string;
  /** OpenAPI tag. */
  tag: string;
  /** 1:1 child addressed through its parent (e.g. a session's target area): no item segment. */
  single?: boolean;
  /** Properties clients never write here (maintained by another route, e.g. the file columns). */
  readOnly?: string[];
}

/** The `:param` names of a path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]);
}

/** The collection path of a resource: the item path without its key segment (singles: the same). */
export function collectionPath(resource: ResourceDefinition): string {
  return resource.single ? resource.path : resource.path.replace(/\/:[A-Za-z][A-Za-z0-9]*$/, '');
}

/** Express `:param` → OpenAPI `{param}`. */
export function openApiPath(path: string): string {
  return `/api/${path}`.replace(/:([A-Za-z][A-Za-z0-9]*)/g, '{$1}');
}
