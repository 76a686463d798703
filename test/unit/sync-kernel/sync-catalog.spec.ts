import { DataSource } from 'typeorm';
import { AggregateSpec } from '../../../src/core/sync-kernel/aggregate-spec';
import { applyOrder } from '../../../src/core/sync-kernel/apply-order';
import { buildCatalog, SyncCatalog, SyncCatalogError } from '../../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../../src/core/sync-kernel/table-model';
import { ALL_ENTITIES } from '../../../src/database/entities';
import { SYNC_SPECS } from '../../../src/aggregates';

/** Entity metadata without a database connection (the catalog needs metadata only). */
async function metadataOnly(): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', entities: ALL_ENTITIES });
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return dataSource;
}

function withSpecs(edit: (specs: AggregateSpec[]) => void): AggregateSpec[] {
  const specs = structuredClone(SYNC_SPECS) as AggregateSpec[];
  edit(specs);
  return specs;
}

describe('sync catalog', () => {
  let dataSource: DataSource;
  let catalog: SyncCatalog;
  beforeAll(async () => {
    dataSource = await metadataOnly();
    catalog = buildCatalog(dataSource, SYNC_SPECS);
  });

  it('puts every FK parent before its child', () => {
    const position = new Map(catalog.tables().map((t) => [t.table, t.applyOrder]));
    const violations = catalog
      .tables()
      .flatMap((t) => t.foreignKeys.filter((fk) => position.has(fk.referencedTable) && fk.referencedTable !== t.table).map((fk) => [t, fk] as const))
      .filter(([t, fk]) => position.get(fk.referencedTable)! >= t.applyOrder)
      .map(([t, fk]) => `${t.table} before its parent ${fk.referencedTable}`);
    expect(violations).toEqual([]);
    expect(catalog.tables().map((t) => t.applyOrder)).toEqual(catalog.tables().map((_, i) => i));
  });

  it('resolves columns, keys and foreign keys from the entity metadata', () => {
    const channel = catalog.table('record_channel');
    expect(channel.key).toEqual(['id']);
    expect(channel.columns.find((c) => c.column === 'file_url')).toMatchObject({ property: 'fileUrl', local: 'fileLocator', type: 'character varying', length: 1000 });
    expect(channel.columns.find((c) => c.column === 'change_xid')).toMatchObject({ type: 'bigint', managed: true, nullable: false });
    expect(channel.foreignKeys).toEqual(
      expect.arrayContaining([
        { columns: ['sensor_id'], referencedTable: 'sensor', referencedColumns: ['sensor_id'], onDelete: 'SET NULL', optional: true },
        { columns: ['record_id'], referencedTable: 'record', referencedColumns: ['id'], onDelete: 'CASCADE', optional: false },
      ]),
    );
    expect(catalog.table('research_researcher').key).toEqual(['research_id', 'researcher_id']);
    expect(catalog.table('volunteer').columns.find((c) => c.column === 'research_node_id')).toMatchObject({ property: 'researchNodeId', local: 'localNodeId' });
    expect(catalog.table('snomed_laterality').columns.find((c) => c.primary)?.property).toBe('code');
  });

  it('serves the reference feeds and knows each table aggregate', () => {
    expect(catalog.feeds().map((f) => f.route)).toEqual(
      expect.arrayContaining(['snomed/body-regions', 'snomed/severity-codes', 'volunteers', 'researchers', 'devices', 'research', 'sessions']),
    );
    expect(catalog.feeds()).toHaveLength(14);
    expect(catalog.feed('sessions')?.children?.map((c) => c.property)).toEqual(['targetArea', 'records', 'sessionAnnotations']);
    expect(catalog.feed('snomed/unknown')).toBeUndefined();
    expect(catalog.aggregateOf('record_channel')).toBe('sessions');
    expect(catalog.aggregate('devices').tables).toEqual(['device', 'sensor']);
  });

  it('fails when a synced table is in no spec', () => {
    const specs = withSpecs((s) => (s.find((a) => a.name === 'devices')!.tables = ['device']));
    expect(() => buildCatalog(dataSource, specs)).toThrow(/"sensor" has a change_xid column but is in no aggregate spec/);
  });

  it('fails when a table is in two specs, or a spec names an unknown table or column', () => {
    const twice = withSpecs((s) => s.find((a) => a.name === 'researchers')!.tables.push('device'));
    expect(() => buildCatalog(dataSource, twice)).toThrow(/"device" is in two aggregates/);
    const unknown = withSpecs((s) => s[0].tables.push('no_such_table'));
    expect(() => buildCatalog(dataSource, unknown)).toThrow(/unknown table "no_such_table"/);
    const badColumn = withSpecs((s) => (s.find((a) => a.name === 'research')!.localColumns = { research: { no_such_column: 'localNodeId' } }));
    expect(() => buildCatalog(dataSource, badColumn)).toThrow(SyncCatalogError);
    expect(() => buildCatalog(dataSource, badColumn)).toThrow(/unknown column "research.no_such_column"/);
    const notSynced = withSpecs((s) => s[0].tables.push('users'));
    expect(() => buildCatalog(dataSource, notSynced)).toThrow(/"users", which has no change_xid column/);
  });
});

describe('apply order', () => {
  const table = (name: string, parents: Array<[string, boolean]>): TableModel => ({
    table: name,
    aggregate: 'sessions',
    key: ['id'],
    columns: [],
    applyOrder: -1,
    foreignKeys: parents.map(([parent, optional]) => ({ columns: [`${parent}_id`], referencedTable: parent, referencedColumns: ['id'], onDelete: 'CASCADE', optional })),
  });

  it('orders parents first, keeps input order for ties and ignores self-references', () => {
    const result = applyOrder([table('child', [['parent', false]]), table('other', [['other', true]]), table('parent', [])]);
    expect(result.tables.map((t) => t.table)).toEqual(['other', 'parent', 'child']);
    expect(result.problems).toEqual([]);
  });

  it('breaks a cycle at a nullable FK and reports a cycle of required FKs', () => {
    const broken = applyOrder([table('a', [['b', false]]), table('b', [['a', true]])]);
    expect(broken.tables.map((t) => t.table)).toEqual(['b', 'a']);
    expect(broken.brokenEdges).toEqual(['b → a']);
    const stuck = applyOrder([table('a', [['b', false]]), table('b', [['a', false]])]);
    expect(stuck.problems[0]).toMatch(/cycle without a nullable FK among: a, b/);
  });
});
