import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { RowValues, SyncedRowFactory } from '../../support/synced-rows';
import { NodePair, startPair, pullInto as pullIntoPair } from '../../support/two-nodes';
import type { TestNode } from '../../support/test-node';

/** Deletes that win are recorded, children included (issue #14 item 4). device → sensor is ON DELETE CASCADE. */
describe('deletes that win are recorded', () => {
  let pair: NodePair;
  const pullInto = (into: 'a' | 'b') => pullIntoPair(pair, into);
  const insert = (node: TestNode, table: string, parents: Record<string, RowValues> = {}) => {
    const factory = new SyncedRowFactory(node.app.get(SyncCatalog), node.config.node.nodeId);
    for (const [t, row] of Object.entries(parents)) factory.rows.set(t, row);
    return node.dataSource.transaction((m) => factory.insert(m, node.app.get(SyncCatalog).table(table)));
  };
  const conflicts = (node: TestNode, table: string, key: Record<string, unknown>) =>
    node.dataSource.query(
      `SELECT rule, winner, local_version AS "localVersion", remote_version AS "remoteVersion" FROM sync_conflicts WHERE table_name = $1 AND row_key = $2::jsonb ORDER BY created_at`,
      [table, JSON.stringify(key)],
    );
  const count = async (node: TestNode, table: string, where: string, params: unknown[]) =>
    (await node.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE ${where}`, params))[0].n as number;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
  });
  afterAll(() => pair?.close());

  it("a child added on A that B's delete of its parent cascades away is archived on A", async () => {
    const device = await insert(pair.b, 'device');
    await pullInto('a');
    const sensor = await insert(pair.a, 'sensor', { device });
    await pair.b.dataSource.query(`DELETE FROM device WHERE device_id = $1`, [device.device_id]);
    const body = await pullInto('a');
    expect(await count(pair.a, 'sensor', 'sensor_id = $1', [sensor.sensor_id])).toBe(0);
    expect(await conflicts(pair.a, 'sensor', { sensor_id: sensor.sensor_id })).toEqual([
      {
        rule: 'parent_deleted',
        winner: 'remote',
        localVersion: expect.objectContaining({ sensorId: sensor.sensor_id, sensorName: sensor.sensor_name }),
        remoteVersion: { deletedWithParent: 'device' },
      },
    ]);
    expect(body.summary.tables.find((t: { table: string }) => t.table === 'sensor').conflicts).toBe(1);
  });

  it('the same for a child in a table named like a type ("record", a child of record_session)', async () => {
    // Every table up to record_session, one row each, so the session has all its parents.
    const catalog = pair.b.app.get(SyncCatalog);
    const factory = new SyncedRowFactory(catalog, pair.b.config.node.nodeId);
    await pair.b.dataSource.transaction(async (m) => {
      for (const model of catalog.tables()) {
        await factory.insert(m, model);
        if (model.table === 'record_session') break;
      }
    });
    const session = factory.rows.get('record_session')!;
    await pullInto('a');
    const record = await insert(pair.a, 'record', { record_session: session });
    await pair.b.dataSource.query(`DELETE FROM record_session WHERE id = $1`, [session.id]);
    await pullInto('a');
    expect(await conflicts(pair.a, 'record', { id: record.id })).toEqual([
      expect.objectContaining({ rule: 'parent_deleted', winner: 'remote', remoteVersion: { deletedWithParent: 'record_session' } }),
    ]);
  });

  it('a newer edit of a parent wins over its delete: the children the delete removed stay removed on both nodes, recorded on both', async () => {
    const device = await insert(pair.b, 'device');
    const sensors = [await insert(pair.b, 'sensor', { device }), await insert(pair.b, 'sensor', { device })];
    await pullInto('a');
    await pullInto('b');
    await pair.b.dataSource.query(`DELETE FROM device WHERE device_id = $1`, [device.device_id]);
    await pair.a.dataSource.query(`UPDATE device SET device_name = 'edited on A after the delete' WHERE device_id = $1`, [device.device_id]);
    await pullInto('a');
    await pullInto('b');
    for (const node of [pair.a, pair.b]) {
      expect(await node.dataSource.query(`SELECT device_name FROM device WHERE device_id = $1`, [device.device_id])).toEqual([{ device_name: 'edited on A after the delete' }]);
      expect(await count(node, 'sensor', 'sensor_id = ANY($1)', [sensors.map((s) => s.sensor_id)])).toBe(0);
    }
    const key = { device_id: device.device_id };
    // A kept its edit over B's delete; B's delete lost to A's edit: each node says so.
    expect(await conflicts(pair.a, 'device', key)).toEqual([expect.objectContaining({ rule: 'delete_vs_update', winner: 'local', remoteVersion: expect.objectContaining({ deleted: true }) })]);
    expect(await conflicts(pair.b, 'device', key)).toEqual([
      expect.objectContaining({ rule: 'delete_vs_update', winner: 'remote', localVersion: expect.objectContaining({ deleted: true }), remoteVersion: expect.objectContaining({ deviceName: 'edited on A after the delete' }) }),
    ]);
  });

  it('a child edited on A after B deleted its parent, refused on B while the parent is gone, is applied on B when a newer edit brings the parent back', async () => {
    const device = await insert(pair.b, 'device');
    const sensor = await insert(pair.b, 'sensor', { device });
    await pullInto('a');
    await pullInto('b');
    await pair.b.dataSource.query(`DELETE FROM device WHERE device_id = $1`, [device.device_id]);
    await pair.a.dataSource.query(`UPDATE sensor SET sensor_name = 'edited on A after the delete' WHERE sensor_id = $1`, [sensor.sensor_id]);
    // B meets A's edit while its device is gone: the edit waits, archived (missing_parent).
    await pullInto('b');
    expect(await conflicts(pair.b, 'sensor', { sensor_id: sensor.sensor_id })).toEqual([expect.objectContaining({ rule: 'missing_parent', winner: 'local' })]);
    // A's newer edit of the device brings it back on B; the sensor that waited comes with it.
    await pair.a.dataSource.query(`UPDATE device SET device_name = 'edited on A after the delete' WHERE device_id = $1`, [device.device_id]);
    await pullInto('b');
    await pullInto('a');
    for (const node of ['a', 'b'] as const) {
      const rows = await pair[node].dataSource.query(`SELECT sensor_name FROM sensor WHERE sensor_id = $1`, [sensor.sensor_id]);
      expect({ node, rows }).toEqual({ node, rows: [{ sensor_name: 'edited on A after the delete' }] });
    }
    // The archived wait is settled: no later pull applies it again, the operator sees who did.
    const settled = await pair.b.dataSource.query(`SELECT restored_by, restored_at IS NOT NULL AS restored FROM sync_conflicts WHERE table_name = 'sensor' AND rule = 'missing_parent' AND row_key = $1::jsonb`, [
      JSON.stringify({ sensor_id: sensor.sensor_id }),
    ]);
    expect(settled).toEqual([{ restored_by: 'sync: parent present again', restored: true }]);
  });
});
