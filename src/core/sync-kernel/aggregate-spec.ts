/**
 * Declarative sync specs: what each aggregate is made of. Columns, types, keys and foreign keys
 * are NOT repeated here; they come from the TypeORM entity metadata of each table (see
 * table-model.ts). A spec only says how tables group into aggregates and feeds, how the
 * reference's nested JSON is shaped, and which columns are node-local.
 *
 * One engine executes these specs for CRUD, export and import; no per-aggregate code paths.
 */

/**
 * An aggregate's name: its key in the manifest, the summaries and the metrics (the reference's
 * manifest names, prism-reference.md §4.3, for the aggregates it has).
 */
export type AggregateName = string;

/** A child collection (or single object) nested in its parent on the reference wire. */
export interface ChildSpec {
  /** Database table of the child rows. */
  table: string;
  /** JSON property on the parent object, e.g. "vitalSigns". */
  property: string;
  /** Child column(s) referencing the parent's key, in the parent key's order, e.g. ["volunteer_id"]. */
  parentColumns: string[];
  /** A 1:1 child rendered as an object (or null) instead of an array (e.g. "targetArea"). */
  single?: boolean;
  /**
   * The reference importer reads this child as a list of one of its columns on the parent
   * (`targetArea.topographicalModifierCodes`): reference-mode pages add it next to the collection.
   */
  codes?: { property: string; column: string };
  children?: ChildSpec[];
}

/** One exported list: a root table with its nested children (the reference's endpoints). */
export interface FeedSpec {
  /** Path under /api/sync, e.g. "volunteers" or "snomed/body-regions". */
  route: string;
  root: string;
  children?: ChildSpec[];
}

/** How an import fills a node-local column instead of taking the peer's value. */
export type LocalColumnRule =
  /** The local node's research_nodes id (reference rule: imported rows belong to the local node). */
  | 'localNodeId'
  /** Where this node stores the file the row references (the locator column of a FileSpec). */
  | 'fileLocator';

/**
 * Files that rows of a table reference by content (one file per row at most): a peer sends the
 * rows, then the files they name, verified by hash and size. The module owning the table declares
 * this (with the columns) and implements the engine's SyncedFiles port over them.
 */
export interface FileSpec {
  /** The files' name in manifests, summaries, progress and metrics (the reference's "recordings"). */
  name: string;
  table: string;
  /** Export routes: /api/sync/<route>/:<param>/file (base64 JSON) and …/stream (encrypted frames). */
  route: string;
  /** Path parameter naming the row (its single-column key). */
  param: string;
  columns: {
    /** Hex SHA-256 of the content (NULL: the row has no file). */
    hash: string;
    size: string;
    contentType: string;
    /** Where this node stores the file: node-local, rewritten on import. */
    locator: string;
  };
}

export interface AggregateSpec {
  name: AggregateName;
  feeds: FeedSpec[];
  /**
   * Every table of the aggregate, in the order pages are served in window mode. Each synced table
   * belongs to exactly one aggregate (checked at boot).
   */
  tables: string[];
  /** Node-local columns per table: exported as they are, replaced on import, not compared. */
  localColumns?: Record<string, Record<string, LocalColumnRule>>;
  /** Files the rows of one of its tables reference (the locator column is node-local). */
  files?: FileSpec[];
  /**
   * Natural keys per table: name (the trigger enforcing it, named in the 409) → columns. Local
   * writes are refused a value another row already has in all these columns (include
   * origin_node_id to make it unique per owning node); a pull applies such rows anyway and records
   * each collision (`natural_key`). Each needs its trigger in a migration (prism_unique_natural_key).
   */
  naturalKeys?: Record<string, Record<string, string[]>>;
}

/** Columns every synced table has; maintained by triggers, never by application code. */
export const CHANGE_COLUMN = 'change_xid';
export const ORIGIN_COLUMN = 'origin_node_id';
export const UPDATED_AT_COLUMN = 'updated_at';
export const CREATED_AT_COLUMN = 'created_at';
