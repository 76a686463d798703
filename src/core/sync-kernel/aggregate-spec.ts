/**
 * Declarative sync specs: what each aggregate is made of. Columns, types, keys and foreign keys
 * are NOT repeated here; they come from the TypeORM entity metadata of each table (see
 * table-model.ts). A spec only says how tables group into aggregates and feeds, how the
 * reference's nested JSON is shaped, and which columns are node-local.
 *
 * One engine executes these specs for CRUD, export and import; no per-aggregate code paths.
 */

/** Manifest aggregate names, as in the reference manifest (prism-reference.md §4.3). */
export type AggregateName = 'snomed' | 'researchers' | 'devices' | 'volunteers' | 'research' | 'sessions';

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
  /** Where this node stores the file with the row's SHA-256 (rewritten file_url). */
  | 'fileLocator';

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
}

/** Columns every synced table has; maintained by triggers, never by application code. */
export const CHANGE_COLUMN = 'change_xid';
export const ORIGIN_COLUMN = 'origin_node_id';
export const UPDATED_AT_COLUMN = 'updated_at';
export const CREATED_AT_COLUMN = 'created_at';
