/**
 * The runtime model of a synced table, resolved at boot from TypeORM metadata plus the aggregate
 * specs. CRUD, export and import all build their SQL from these.
 */
export type PgType =
  | 'uuid'
  | 'character varying'
  | 'text'
  | 'boolean'
  | 'real'
  | 'double precision'
  | 'integer'
  | 'bigint'
  | 'timestamp with time zone'
  | 'date'
  | 'jsonb';

export interface ColumnModel {
  /** Database column, snake_case. */
  column: string;
  /** Entity property = JSON name on the wire (camelCase, as the reference). */
  property: string;
  /** PostgreSQL type as used in casts, e.g. "character varying(200)" → type + length. */
  type: PgType;
  length?: number;
  nullable: boolean;
  primary: boolean;
  /** Has a database default (created_at, updated_at, …). */
  hasDefault: boolean;
  /** Maintained by triggers/engine (change_xid, origin_node_id, created_at, updated_at). */
  managed: boolean;
  /** Filled locally on import (research_node_id, file_url), see LocalColumnRule. */
  local?: import('./aggregate-spec').LocalColumnRule;
}

export interface ForeignKeyModel {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: 'CASCADE' | 'SET NULL' | 'RESTRICT' | 'NO ACTION';
  /** All referencing columns nullable. */
  optional: boolean;
}

/** A FileSpec resolved against its table: the row key and the file columns as column models. */
export interface FileColumns {
  spec: import('./aggregate-spec').FileSpec;
  key: ColumnModel;
  hash: ColumnModel;
  size: ColumnModel;
  contentType: ColumnModel;
  locator: ColumnModel;
}

/** A natural key (AggregateSpec.naturalKeys): unique among local writes, collisions of pulls recorded. */
export interface NaturalKeyModel {
  name: string;
  columns: string[];
}

export interface TableModel {
  table: string;
  aggregate: import('./aggregate-spec').AggregateName;
  /** Primary key columns, in order. */
  key: string[];
  columns: ColumnModel[];
  foreignKeys: ForeignKeyModel[];
  /** Position in the dependency order of all synced tables (parents first). */
  applyOrder: number;
  /** The files this table's rows reference, if any. */
  files?: FileColumns;
  naturalKeys?: NaturalKeyModel[];
}

/** A column's SQL type for casts and temp tables, e.g. "character varying(200)". */
export function sqlType(column: ColumnModel): string {
  return column.length ? `${column.type}(${column.length})` : column.type;
}
