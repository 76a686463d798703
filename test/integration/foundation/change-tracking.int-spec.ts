import { DataSource, EntityManager } from 'typeorm';
import { testConfig } from '../../../src/config';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { TableModel } from '../../../src/core/sync-kernel/table-model';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { MICROSECOND_TIMESTAMP, realCatalog, SyncedRowFactory, timestampText } from '../../support/synced-rows';

/**
 * The change-tracking triggers of EVERY synced table (the catalog's list, not a hand-written one):
 * stamps, sync-apply mode, tombstones, µs timestamps. Each check collects the failing tables, so one
 * run names all of them.
 */
const NODE_ID = 'node-a';

describe('change tracking on every synced table', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let catalog: SyncCatalog;
  let factory: SyncedRowFactory;

  const currentXid = async (m: EntityManager) => String((await m.query('SELECT pg_current_xact_id()::text AS x'))[0].x);

  async function readStamp(m: EntityManager, table: TableModel) {
    const row = factory.rows.get(table.table)!;
    const { where, params } = SyncedRowFactory.keyFilter(table, row);
    const [stamp] = await m.query(
      `SELECT change_xid::text AS xid, origin_node_id AS origin, ${timestampText('updated_at')} AS updated, ${timestampText('created_at')} AS created
       FROM "${table.table}" WHERE ${where}`,
      params,
    );
    return stamp as { xid: string; origin: string; updated: string; created: string };
  }

  beforeAll(async () => {
    db = await createTestDatabase('change_tracking');
    // logging off: the natural-key checks provoke unique violations on purpose
    dataSource = new DataSource({ ...typeOrmOptions(testConfig({ NODE_ID, LOG_LEVEL: 'silent' }), db.url), logging: false });
    await dataSource.initialize();
    catalog = realCatalog(dataSource);
    factory = new SyncedRowFactory(catalog, NODE_ID);
    await factory.ensureLocalNode(dataSource.manager);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('covers a sensible number of tables', () => {
    expect(catalog.tables().length).toBeGreaterThanOrEqual(29);
  });

  it('insert stamps change_xid with the inserting transaction and origin_node_id with this node', async () => {
    const failures: string[] = [];
    for (const table of catalog.tables()) {
      await dataSource.transaction(async (m) => {
        await factory.insert(m, table);
        const [xid, stamp] = [await currentXid(m), await readStamp(m, table)];
        if (stamp.xid !== xid) failures.push(`${table.table}: change_xid ${stamp.xid} ≠ xid ${xid}`);
        if (stamp.origin !== NODE_ID) failures.push(`${table.table}: origin ${stamp.origin}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('keeps µs timestamps given on insert unchanged through SQL text', async () => {
    const failures: string[] = [];
    for (const table of catalog.tables()) {
      const timestamps = table.columns.filter((c) => c.type === 'timestamp with time zone' && !c.managed && !c.nullable);
      if (timestamps.length === 0) continue;
      const { where, params } = SyncedRowFactory.keyFilter(table, factory.rows.get(table.table)!);
      const [row] = await dataSource.query(
        `SELECT ${timestamps.map((c) => `${timestampText(c.column)} AS "${c.column}"`).join(', ')} FROM "${table.table}" WHERE ${where}`,
        params,
      );
      for (const c of timestamps) if (row[c.column] !== MICROSECOND_TIMESTAMP) failures.push(`${table.table}.${c.column}: ${row[c.column]}`);
    }
    expect(failures).toEqual([]);
  });

  it('update re-stamps change_xid and updated_at (strictly later), and ignores client origin/updated_at', async () => {
    const failures: string[] = [];
    for (const table of catalog.tables()) {
      const before = await readStamp(dataSource.manager, table);
      await dataSource.transaction(async (m) => {
        const { where, params } = SyncedRowFactory.keyFilter(table, factory.rows.get(table.table)!);
        const n = params.length;
        await m.query(
          `UPDATE "${table.table}" SET origin_node_id = $${n + 1}, updated_at = $${n + 2}::timestamptz WHERE ${where}`,
          [...params, 'tampered', '2000-01-01T00:00:00Z'],
        );
        const [xid, after] = [await currentXid(m), await readStamp(m, table)];
        if (after.xid !== xid || after.xid === before.xid) failures.push(`${table.table}: change_xid ${before.xid} → ${after.xid}, xid ${xid}`);
        if (!(after.updated > before.updated)) failures.push(`${table.table}: updated_at ${before.updated} → ${after.updated}`);
        if (after.origin !== NODE_ID) failures.push(`${table.table}: origin became ${after.origin}`);
        if (after.created !== before.created) failures.push(`${table.table}: created_at changed`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('sync-apply mode keeps the given updated_at and origin but still stamps change_xid', async () => {
    const failures: string[] = [];
    for (const table of catalog.tables()) {
      await dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL prism.sync_apply = 'on'`);
        const { where, params } = SyncedRowFactory.keyFilter(table, factory.rows.get(table.table)!);
        const n = params.length;
        await m.query(
          `UPDATE "${table.table}" SET origin_node_id = $${n + 1}, updated_at = $${n + 2}::timestamptz WHERE ${where}`,
          [...params, 'node-b', MICROSECOND_TIMESTAMP],
        );
        const [xid, after] = [await currentXid(m), await readStamp(m, table)];
        if (after.xid !== xid) failures.push(`${table.table}: change_xid ${after.xid} ≠ ${xid}`);
        if (after.updated !== MICROSECOND_TIMESTAMP) failures.push(`${table.table}: updated_at ${after.updated}`);
        if (after.origin !== 'node-b') failures.push(`${table.table}: origin ${after.origin}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('a delete leaves a tombstone with the key; re-inserting the key removes it', async () => {
    const failures: string[] = [];
    const childrenFirst = [...catalog.tables()].reverse();
    for (const table of childrenFirst) {
      const row = factory.rows.get(table.table)!;
      await dataSource.transaction(async (m) => {
        const { where, params } = SyncedRowFactory.keyFilter(table, row);
        await m.query(`DELETE FROM "${table.table}" WHERE ${where}`, params);
        const xid = await currentXid(m);
        const tombstones = await m.query(
          `SELECT change_xid::text AS xid, origin_node_id AS origin FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`,
          [table.table, JSON.stringify(SyncedRowFactory.rowKey(table, row))],
        );
        if (tombstones.length !== 1) failures.push(`${table.table}: ${tombstones.length} tombstones for ${JSON.stringify(SyncedRowFactory.rowKey(table, row))}`);
        else if (tombstones[0].xid !== xid || tombstones[0].origin !== NODE_ID) failures.push(`${table.table}: tombstone ${JSON.stringify(tombstones[0])}`);
      });
    }
    for (const table of catalog.tables()) {
      const row = factory.rows.get(table.table)!;
      await dataSource.transaction(async (m) => {
        const columns = Object.keys(row);
        const byName = new Map(table.columns.map((c) => [c.column, c]));
        await m.query(
          `INSERT INTO "${table.table}" (${columns.map((c) => `"${c}"`).join(', ')})
           VALUES (${columns.map((c, i) => `$${i + 1}::${byName.get(c)!.type}`).join(', ')})`,
          columns.map((c) => row[c]),
        );
      });
    }
    const left = await dataSource.query(`SELECT table_name, row_key FROM tombstones`);
    expect(failures).toEqual([]);
    expect(left).toEqual([]);
  });

  describe('natural keys are unique per origin node', () => {
    const cases: Array<[table: string, column: string]> = [
      ['volunteer', 'email'],
      ['volunteer', 'volunteer_code'],
      ['researcher', 'email'],
    ];
    it.each(cases)('%s.%s: two origins never collide, one origin does', async (tableName, column) => {
      const table = catalog.table(tableName);
      const shared = { [column]: `shared-${column}` };
      await factory.insert(dataSource.manager, table, { ...shared, origin_node_id: 'node-a' });
      await factory.insert(dataSource.manager, table, { ...shared, origin_node_id: 'node-b' });
      await expect(factory.insert(dataSource.manager, table, { ...shared, origin_node_id: 'node-a' })).rejects.toMatchObject({
        driverError: expect.objectContaining({ code: '23505' }),
      });
    });
  });
});
