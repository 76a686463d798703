import { ErrorCode } from '../../core/errors/error-codes';

/**
 * The reference node's REST API (iris-desktop-api.md §3) as DATA over the node's own CRUD
 * resources: the same tables, the same engine, the same validation; only the route shape differs
 * (ASP.NET paths, case-insensitive PascalCase/camelCase input, the reference's DTO fields, paging
 * envelope and a few write rules such as soft removal of research links). One shape per resource,
 * keyed by the resource's name (src/crud/resources.ts), kept next to it in reference-shapes/.
 */

export type ReferenceOperation = 'list' | 'get' | 'create' | 'update' | 'remove';
export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type JsonScalar = string | number | boolean | null;

/** A condition on a column of the listed table (property name). */
export type Condition =
  | { property: string; isNull: boolean }
  | { property: string; equals: JsonScalar }
  /** Null or not before now (e.g. a research's end date). */
  | { property: string; notPast: true };

/** A query parameter a reference list accepts (any other parameter is ignored, as ASP.NET does). */
export type QueryFilter =
  /** Equality on a column; with `oneOf`, only those values (anything else → 400). */
  | { property: string; oneOf?: string[]; required?: boolean }
  /** Named states mapped to null-ness of a column, e.g. status=active → finishedAt IS NULL. */
  | { property: string; isNullWhen: Record<string, boolean> }
  /** A lower or upper bound on a timestamp column. */
  | { property: string; bound: 'from' | 'to' };

export interface ReferenceRoute {
  op: ReferenceOperation;
  method: HttpVerb;
  /** Path under /api as the reference declares it (its casing); `:param` names a table property. */
  path: string;
  /** OpenAPI summary. */
  summary: string;
  /** Lists: a bare JSON array of every matching row instead of the paging envelope. */
  array?: boolean;
  /** Lists: fixed conditions (e.g. active catalog rows, links not removed). */
  where?: Condition[];
  /** Lists: accepted query parameters besides page/pageSize. */
  query?: Record<string, QueryFilter>;
  /**
   * Lists of rows reached through a link table whose properties the path params name, e.g. the
   * sensors of the devices assigned to a research (`on`: link property → our property). Only live
   * links count (`whereNull`); when the params address one link, a missing one is a 404 `notFoundCode`.
   */
  through?: { table: string; on: Record<string, string>; whereNull?: string[]; notFoundCode: ErrorCode };
}

/**
 * One output member of a reference DTO. A string is a property of the row itself; the objects
 * reach other synced tables through columns (`on` maps THEIR property → OUR property).
 */
export type ViewField =
  | string
  | { value: JsonScalar }
  /** One column of the row of another table this row points at (null when absent). */
  | { lookup: string; on: Record<string, string>; column: string }
  /** Number of rows of another table pointing at this row (optionally only rows where a column is null). */
  | { count: string; on: Record<string, string>; whereNull?: string[] }
  /** Values of one column of another table's rows pointing at this row, as an array (sorted). */
  | { codes: string; on: Record<string, string>; column: string }
  /** One row of another table as an object (null when absent), rendered with its own view. */
  | { object: string; on: Record<string, string>; view: ReferenceView }
  /** The research node (registry row) whose id is in this property, as ResearchNodeConnectionDTO. */
  | { researchNode: string };

/** Output members in order: wire name → field. */
export type ReferenceView = Record<string, ViewField>;

/** A value the node fills on create (or on reactivation / soft removal). */
export type FillValue =
  | { value: JsonScalar }
  /** A JSON document (jsonb columns). */
  | { json: unknown }
  /** The current time (timestamp columns). */
  | { now: true }
  /** A new random UUID. */
  | { uuid: true }
  /** `VC-` + 13 upper-case hex digits (reference volunteer code). */
  | { volunteerCode: true }
  /** The researcher id of the signed-in user, or the empty GUID (reference `recordedBy`). */
  | { actorResearcher: true };

export type InputTransform = 'stripDashes';

/** Rows of a child table managed as a list of codes in the parent's payload (volunteer code lists). */
export interface CodeList {
  /** Wire name of the list in the payload and in the view, e.g. clinicalConditionCodes. */
  field: string;
  table: string;
  /** Child property referencing the parent: child property → parent property. */
  on: Record<string, string>;
  /** Child property holding the code. */
  column: string;
  /** Other child columns of a new row. */
  fill: Record<string, FillValue>;
}

export interface ReferenceShape {
  /** Name of the native CRUD resource (resources.ts) whose table this shape serves. */
  resource: string;
  routes: ReferenceRoute[];
  view: ReferenceView;
  /** Input wire names that differ from the property (wire name → property). */
  aliases?: Record<string, string>;
  transforms?: Record<string, InputTransform>;
  /** Filled on create when the payload omits them (property → value). */
  defaults?: Record<string, FillValue>;
  /** Properties a create must carry as non-empty strings (the reference's required members). */
  nonEmpty?: string[];
  /** String properties limited to these values. */
  oneOf?: Record<string, string[]>;
  /** Properties holding an absolute http(s) URL. */
  urls?: string[];
  /** Timestamp properties that must not lie in the future. */
  notFuture?: string[];
  /** Update: these properties are REPLACED (absent means null), as the reference does. */
  replaceOnUpdate?: string[];
  /** List order (property, direction); the key breaks ties. */
  order?: [string, 'ASC' | 'DESC'][];
  /** 404 code of a missing row (the reference's ERR_<ENTITY>_NOT_FOUND). */
  notFoundCode: ErrorCode;
  /** 404 code when the parent in the path (e.g. the research of a link) does not exist. */
  parentNotFoundCode?: ErrorCode;
  /** 404 codes for missing rows referenced by the payload, by property (e.g. researcherId). */
  referenceCodes?: Record<string, ErrorCode>;
  /**
   * Link rows removed by marking, not deleting: `activeWhenNull` is null while active; remove sets
   * `set`; creating an existing removed link reactivates it (with `reactivate`), an active one is
   * a 409 with `conflictCode`.
   */
  softRemove?: { activeWhenNull: string; set: Record<string, FillValue>; reactivate: Record<string, FillValue>; conflictCode: ErrorCode };
  /** A boolean that only one row per parent may hold (research principal investigator). */
  exclusive?: { property: string; within: string[] };
  codeLists?: CodeList[];
  /** Body of a successful remove; `:param` strings are replaced by the path values. */
  removed?: Record<string, JsonScalar>;
}
