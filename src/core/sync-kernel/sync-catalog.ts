import { DataSource, EntityMetadata } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import {
  AggregateName,
  AggregateSpec,
  CHANGE_COLUMN,
  ChildSpec,
  CREATED_AT_COLUMN,
  FeedSpec,
  FileSpec,
  ORIGIN_COLUMN,
  UPDATED_AT_COLUMN,
} from './aggregate-spec';
import { ColumnModel, FileColumns, ForeignKeyModel, PgType, TableModel } from './table-model';
import { applyOrder } from './apply-order';

/** Tables that carry a change_xid but are bookkeeping, not synced data. */
export const NON_SYNCED_CHANGE_TABLES: readonly string[] = ['tombstones'];

const MANAGED_COLUMNS = new Set([CHANGE_COLUMN, ORIGIN_COLUMN, CREATED_AT_COLUMN, UPDATED_AT_COLUMN]);

const PG_TYPES: ReadonlySet<string> = new Set<PgType>([
  'uuid',
  'character varying',
  'text',
  'boolean',
  'real',
  'double precision',
  'integer',
  'bigint',
  'timestamp with time zone',
  'date',
  'jsonb',
]);

/** A feed with the aggregate it belongs to. */
export interface ResolvedFeed extends FeedSpec {
  aggregate: AggregateName;
}

/** The specs or the entities do not fit together; the node must not boot. */
export class SyncCatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`sync catalog is inconsistent (fix the *.sync-spec.ts files or the entities):\n  - ${problems.join('\n  - ')}`);
    this.name = 'SyncCatalogError';
  }
}

/**
 * The resolved sync model of the node: every synced table as a TableModel (columns, key, FKs from
 * TypeORM metadata) in apply order, plus the aggregate specs and feeds. Built once at boot by
 * buildCatalog(); the Nest provider is registered by SyncKernelModule.
 */
export class SyncCatalog {
  private readonly byTable = new Map<string, TableModel>();
  private readonly byAggregate = new Map<AggregateName, AggregateSpec>();
  private readonly aggregateByTable = new Map<string, AggregateSpec>();
  private readonly byRoute = new Map<string, ResolvedFeed>();

  constructor(
    readonly specs: readonly AggregateSpec[],
    private readonly ordered: readonly TableModel[],
    /** The migration the schema is at: two nodes exchange rows only at the same version. */
    readonly schemaVersion = 'none',
  ) {
    for (const table of ordered) this.byTable.set(table.table, table);
    for (const spec of specs) {
      this.byAggregate.set(spec.name, spec);
      for (const table of spec.tables) this.aggregateByTable.set(table, spec);
      for (const feed of spec.feeds) this.byRoute.set(feed.route, { ...feed, aggregate: spec.name });
    }
  }

  /** Every synced table, parents before children. */
  tables(): TableModel[] {
    return [...this.ordered];
  }

  table(name: string): TableModel {
    const table = this.byTable.get(name);
    if (!table) throw new Error(`not a synced table: ${name}`);
    return table;
  }

  hasTable(name: string): boolean {
    return this.byTable.has(name);
  }

  /** Aggregate specs in manifest order. */
  aggregates(): AggregateSpec[] {
    return [...this.specs];
  }

  aggregate(name: AggregateName): AggregateSpec {
    const spec = this.byAggregate.get(name);
    if (!spec) throw new Error(`unknown aggregate: ${name}`);
    return spec;
  }

  /** Name of the aggregate a synced table belongs to (aggregate(name) gives its spec). */
  aggregateOf(table: string): AggregateName {
    const spec = this.aggregateByTable.get(table);
    if (!spec) throw new Error(`not a synced table: ${table}`);
    return spec.name;
  }

  feeds(): ResolvedFeed[] {
    return [...this.byRoute.values()];
  }

  /** The feed served at /api/sync/<route>, or undefined (the caller answers 400/404). */
  feed(route: string): ResolvedFeed | undefined {
    return this.byRoute.get(route);
  }

  /** The files synced rows reference (at most one FileSpec per node, checked at boot). */
  files(): FileColumns | undefined {
    return this.ordered.find((t) => t.files)?.files;
  }
}

/** The schema version of a DataSource: the name of its last migration. */
export function schemaVersionOf(dataSource: DataSource): string {
  const migrations = dataSource.migrations ?? [];
  return migrations.length ? (migrations[migrations.length - 1].name ?? String(migrations.length)) : 'none';
}

/**
 * Resolves the specs against the DataSource's entity metadata (the DataSource must have built its
 * metadata: initialised, or `buildMetadatas()` called). Throws SyncCatalogError listing every
 * problem: a table with a change_xid column in no spec or in two, a spec naming an unknown table or
 * column, a column type the engine cannot cast, a dependency cycle without a nullable FK.
 */
export function buildCatalog(dataSource: DataSource, specs: readonly AggregateSpec[]): SyncCatalog {
  const problems: string[] = [];
  const metadataByTable = new Map(
    dataSource.entityMetadatas.filter((m) => m.tableType === 'regular').map((m) => [m.tableName, m] as const),
  );

  const owner = new Map<string, AggregateName>();
  for (const spec of specs) {
    for (const table of spec.tables) {
      const previous = owner.get(table);
      if (previous) problems.push(`table "${table}" is in two aggregates: "${previous}" and "${spec.name}"`);
      else owner.set(table, spec.name);
      const metadata = metadataByTable.get(table);
      if (!metadata) problems.push(`aggregate "${spec.name}" names unknown table "${table}"`);
      else if (!metadata.findColumnWithDatabaseName(CHANGE_COLUMN)) {
        problems.push(`aggregate "${spec.name}" names "${table}", which has no ${CHANGE_COLUMN} column (not a synced table)`);
      }
    }
    checkFeedsAndLocals(spec, metadataByTable, problems);
  }
  for (const [table, metadata] of metadataByTable) {
    if (NON_SYNCED_CHANGE_TABLES.includes(table) || !metadata.findColumnWithDatabaseName(CHANGE_COLUMN)) continue;
    if (!owner.has(table)) problems.push(`table "${table}" has a ${CHANGE_COLUMN} column but is in no aggregate spec`);
  }
  checkUnique('aggregate name', specs.map((s) => s.name), problems);
  checkUnique('feed route', specs.flatMap((s) => s.feeds.map((f) => f.route)), problems);
  const fileSpecs = specs.flatMap((s) => s.files ?? []);
  if (fileSpecs.length > 1) problems.push(`${fileSpecs.length} file specs (${fileSpecs.map((f) => f.name).join(', ')}); the sync protocol carries one kind of file`);
  if (problems.length > 0) throw new SyncCatalogError(problems);

  const models: TableModel[] = [];
  for (const spec of specs) {
    for (const table of spec.tables) {
      models.push(tableModel(dataSource, metadataByTable.get(table)!, spec, problems));
    }
  }
  if (problems.length > 0) throw new SyncCatalogError(problems);

  const order = applyOrder(models);
  if (order.problems.length > 0) throw new SyncCatalogError(order.problems);
  const ordered = order.tables.map((table, index) => ({ ...table, applyOrder: index }));
  return new SyncCatalog(specs, ordered, schemaVersionOf(dataSource));
}

function checkUnique(what: string, values: string[], problems: string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) problems.push(`duplicate ${what} "${value}"`);
    seen.add(value);
  }
}

function checkFeedsAndLocals(spec: AggregateSpec, metadataByTable: Map<string, EntityMetadata>, problems: string[]): void {
  const inSpec = new Set(spec.tables);
  const checkColumns = (table: string, columns: string[], where: string) => {
    const metadata = metadataByTable.get(table);
    if (!metadata) return;
    for (const column of columns) {
      if (!metadata.findColumnWithDatabaseName(column)) problems.push(`${where} names unknown column "${table}.${column}"`);
    }
  };
  const checkChild = (child: ChildSpec, feed: FeedSpec) => {
    if (!inSpec.has(child.table)) problems.push(`feed "${feed.route}" nests "${child.table}", which is not in aggregate "${spec.name}"`);
    checkColumns(child.table, child.parentColumns, `feed "${feed.route}"`);
    if (child.codes) checkColumns(child.table, [child.codes.column], `feed "${feed.route}"`);
    for (const grandchild of child.children ?? []) checkChild(grandchild, feed);
  };
  for (const feed of spec.feeds) {
    if (!inSpec.has(feed.root)) problems.push(`feed "${feed.route}" has root "${feed.root}", which is not in aggregate "${spec.name}"`);
    for (const child of feed.children ?? []) checkChild(child, feed);
  }
  for (const [table, columns] of Object.entries(spec.localColumns ?? {})) {
    if (!inSpec.has(table)) problems.push(`aggregate "${spec.name}" declares local columns of "${table}", which is not in it`);
    checkColumns(table, Object.keys(columns), `aggregate "${spec.name}" localColumns`);
  }
  for (const [table, keys] of Object.entries(spec.naturalKeys ?? {})) {
    if (!inSpec.has(table)) problems.push(`aggregate "${spec.name}" declares natural keys of "${table}", which is not in it`);
    for (const [name, columns] of Object.entries(keys)) checkColumns(table, columns, `natural key "${name}"`);
  }
  for (const files of spec.files ?? []) {
    if (!inSpec.has(files.table)) problems.push(`files "${files.name}" are on "${files.table}", which is not in aggregate "${spec.name}"`);
    checkColumns(files.table, Object.values(files.columns), `files "${files.name}"`);
    const metadata = metadataByTable.get(files.table);
    if (metadata && metadata.primaryColumns.length !== 1) problems.push(`files "${files.name}": table "${files.table}" needs a single-column key`);
  }
}

/** The node-local columns of a table: declared ones plus the locator column of its files. */
function localColumnsOf(spec: AggregateSpec, table: string): Record<string, ColumnModel['local']> {
  const locals: Record<string, ColumnModel['local']> = { ...(spec.localColumns?.[table] ?? {}) };
  for (const files of spec.files ?? []) if (files.table === table) locals[files.columns.locator] = 'fileLocator';
  return locals;
}

function fileColumns(files: FileSpec, columns: ColumnModel[], key: string[]): FileColumns {
  const byName = (name: string) => columns.find((c) => c.column === name)!;
  return {
    spec: files,
    key: byName(key[0]),
    hash: byName(files.columns.hash),
    size: byName(files.columns.size),
    contentType: byName(files.columns.contentType),
    locator: byName(files.columns.locator),
  };
}

function tableModel(dataSource: DataSource, metadata: EntityMetadata, spec: AggregateSpec, problems: string[]): TableModel {
  const table = metadata.tableName;
  const locals = localColumnsOf(spec, table);
  for (const managed of MANAGED_COLUMNS) {
    if (!metadata.findColumnWithDatabaseName(managed)) problems.push(`synced table "${table}" lacks the ${managed} column`);
  }
  const columns = metadata.columns.map((column) => columnModel(dataSource, table, column, locals[column.databaseName], problems));
  const foreignKeys: ForeignKeyModel[] = metadata.foreignKeys.map((fk) => ({
    columns: fk.columnNames,
    referencedTable: fk.referencedEntityMetadata.tableName,
    referencedColumns: fk.referencedColumnNames,
    onDelete: normaliseOnDelete(fk.onDelete),
    optional: fk.columns.every((c) => c.isNullable),
  }));
  const key = metadata.primaryColumns.map((c) => c.databaseName);
  const files = spec.files?.find((f) => f.table === table);
  const naturalKeys = Object.entries(spec.naturalKeys?.[table] ?? {}).map(([name, keyColumns]) => ({ name, columns: keyColumns }));
  return {
    table,
    aggregate: spec.name,
    key,
    columns,
    foreignKeys,
    applyOrder: -1,
    ...(files ? { files: fileColumns(files, columns, key) } : {}),
    ...(naturalKeys.length ? { naturalKeys } : {}),
  };
}

function columnModel(
  dataSource: DataSource,
  table: string,
  column: ColumnMetadata,
  local: ColumnModel['local'],
  problems: string[],
): ColumnModel {
  // char(n) is modelled as character varying(n): the PgType union is shared by the engines, and a
  // value cast to varchar(n) stores identically in char(n) (only file_sha256, always 64 hex chars).
  const normalised = dataSource.driver.normalizeType(column);
  const type = normalised === 'character' ? 'character varying' : normalised;
  if (!PG_TYPES.has(type)) problems.push(`column "${table}.${column.databaseName}" has type "${type}", which the sync engine does not handle`);
  const length = column.length ? Number(column.length) : undefined;
  return {
    column: column.databaseName,
    property: column.propertyName,
    type: type as PgType,
    ...(length ? { length } : {}),
    nullable: column.isNullable,
    primary: column.isPrimary,
    hasDefault: column.default !== undefined || column.isGenerated,
    managed: MANAGED_COLUMNS.has(column.databaseName),
    ...(local ? { local } : {}),
  };
}

function normaliseOnDelete(rule: string | undefined): ForeignKeyModel['onDelete'] {
  switch (rule) {
    case 'CASCADE':
    case 'SET NULL':
    case 'RESTRICT':
      return rule;
    default:
      return 'NO ACTION';
  }
}
