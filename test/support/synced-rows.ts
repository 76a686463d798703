import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { buildCatalog, SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { ColumnModel, sqlType, TableModel } from '../../src/core/sync-kernel/table-model';
import { localNodeUuid } from '../../src/core/local-node';
import { SYNC_SPECS } from '../../src/aggregates';

/** A µs timestamp that a JS Date could not carry: every generated timestamp column gets it. */
export const MICROSECOND_TIMESTAMP = '2026-03-01T10:20:30.123456Z';

/** SQL rendering of a timestamptz as text, the way the node moves synced timestamps. */
export const timestampText = (column: string) => `to_char("${column}" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export type RowValues = Record<string, string | number | boolean | null>;

/** The sync catalog of the node's real entities and specs, for a DataSource of the test database. */
export function realCatalog(dataSource: DataSource): SyncCatalog {
  return buildCatalog(dataSource, SYNC_SPECS);
}

let sequence = 0;

function sampleValue(column: ColumnModel): string | number | boolean | null {
  if (column.nullable) return null;
  switch (column.type) {
    case 'uuid':
      return randomUUID();
    case 'character varying':
    case 'text':
      return `v${++sequence}`.slice(0, column.length ?? 100);
    case 'boolean':
      return true;
    case 'real':
    case 'double precision':
      return 1.5;
    case 'integer':
    case 'bigint':
      return 7;
    case 'timestamp with time zone':
      return MICROSECOND_TIMESTAMP;
    case 'date':
      return '2026-03-01';
    case 'jsonb':
      return '{}';
  }
}

/**
 * Builds and inserts valid rows for any synced table from its TableModel alone: non-null columns
 * get sample values, nullable ones NULL, FK columns the key of a parent row created earlier
 * (`parents`, by table), research_node_id this node's registry row. Managed columns are left to the
 * triggers unless given in `overrides`.
 */
export class SyncedRowFactory {
  /** The last row inserted per table, used as the parent of later rows. */
  readonly rows = new Map<string, RowValues>();

  constructor(
    private readonly catalog: SyncCatalog,
    private readonly nodeId: string,
  ) {}

  /** Inserts this node's research_nodes row (FK target of volunteer, researcher, research). */
  async ensureLocalNode(manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO research_nodes (id, node_name, certificate, certificate_fingerprint, is_local)
       VALUES ($1, $2, '', $3, true) ON CONFLICT (id) DO NOTHING`,
      [localNodeUuid(this.nodeId), this.nodeId, `fp-${this.nodeId}`],
    );
  }

  values(table: TableModel, overrides: RowValues = {}): RowValues {
    const row: RowValues = {};
    for (const column of table.columns) {
      if (column.managed) continue;
      row[column.column] = sampleValue(column);
    }
    for (const fk of table.foreignKeys) {
      if (fk.referencedTable === table.table) continue;
      if (fk.optional) continue;
      if (fk.referencedTable === 'research_nodes') {
        row[fk.columns[0]] = localNodeUuid(this.nodeId);
        continue;
      }
      const parent = this.rows.get(fk.referencedTable);
      if (!parent) throw new Error(`no ${fk.referencedTable} row yet for ${table.table} (insert in apply order)`);
      fk.columns.forEach((column, i) => (row[column] = parent[fk.referencedColumns[i]]));
    }
    return { ...row, ...overrides };
  }

  async insert(manager: EntityManager, table: TableModel, overrides: RowValues = {}): Promise<RowValues> {
    const row = this.values(table, overrides);
    const columns = Object.keys(row);
    const byName = new Map(table.columns.map((c) => [c.column, c]));
    const placeholders = columns.map((c, i) => `$${i + 1}::${sqlType(byName.get(c)!)}`);
    await manager.query(
      `INSERT INTO "${table.table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${placeholders.join(', ')})`,
      columns.map((c) => row[c]),
    );
    this.rows.set(table.table, row);
    return row;
  }

  /** `WHERE` clause and parameters selecting one row by primary key (parameters from $1). */
  static keyFilter(table: TableModel, row: RowValues): { where: string; params: unknown[] } {
    return {
      where: table.key.map((c, i) => `"${c}" = $${i + 1}`).join(' AND '),
      params: table.key.map((c) => row[c]),
    };
  }

  /** The row key in the tombstone format {pk column: value}. */
  static rowKey(table: TableModel, row: RowValues): Record<string, unknown> {
    return Object.fromEntries(table.key.map((c) => [c, row[c]]));
  }
}
