import request from 'supertest';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { introduce, verify } from '../../support/two-nodes';
import { bearer, loginAsAdmin } from '../../support/users';

const q = (name: string) => `"${name}"`;

/**
 * Points every nullable foreign key of the dataset at an existing row, so the pulled data uses
 * every foreign key of the schema (vital signs and clinical events linked to sessions and target
 * areas, channels to sensors, medications to conditions, …). Generic over the catalog.
 */
async function linkEveryForeignKey(node: TestNode): Promise<string[]> {
  const linked: string[] = [];
  for (const table of node.app.get(SyncCatalog).tables()) {
    for (const fk of table.foreignKeys) {
      if (fk.columns.length !== 1 || fk.referencedTable === 'research_nodes') continue;
      const [column, target] = [fk.columns[0], fk.referencedColumns[0]];
      if (fk.referencedTable === table.table) {
        // A self-reference needs a second row: a copy of the first, pointing at it.
        const copied = table.columns.filter((c) => !c.managed);
        const values = copied.map((c) =>
          c.column === column ? `t.${q(target)}` : c.primary ? (c.type === 'uuid' ? 'gen_random_uuid()' : `left(t.${q(c.column)} || '-child', ${c.length ?? 50})`) : `t.${q(c.column)}`,
        );
        await node.dataSource.query(
          `INSERT INTO ${q(table.table)} (${copied.map((c) => q(c.column)).join(', ')}) SELECT ${values.join(', ')} FROM ${q(table.table)} t ORDER BY 1 LIMIT 1`,
        );
      } else {
        const pick = `(SELECT p.${q(target)} FROM ${q(fk.referencedTable)} p ORDER BY 1 LIMIT 1)`;
        await node.dataSource.query(`UPDATE ${q(table.table)} t SET ${q(column)} = ${pick} WHERE t.${q(column)} IS NULL`);
      }
      linked.push(`${table.table}.${column}`);
    }
  }
  return linked;
}

async function nullForeignKeys(node: TestNode): Promise<string[]> {
  const empty: string[] = [];
  for (const table of node.app.get(SyncCatalog).tables()) {
    for (const fk of table.foreignKeys) {
      if (fk.columns.length !== 1 || fk.referencedTable === 'research_nodes') continue;
      const [{ n }]: { n: number }[] = await node.dataSource.query(`SELECT count(*)::int AS n FROM ${q(table.table)} WHERE ${q(fk.columns[0])} IS NOT NULL`);
      if (n === 0) empty.push(`${table.table}.${fk.columns[0]}`);
    }
  }
  return empty;
}

describe('sync topologies', () => {
  const nodes: TestNode[] = [];
  const admins = new Map<TestNode, string>();
  let a: TestNode, b: TestNode, c: TestNode;

  const pull = async (into: TestNode, remoteNodeId: string) => {
    const res = await request(into.url).post('/api/sync/pull').set(bearer(admins.get(into)!)).send({ remoteNodeId });
    if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    for (const id of ['hop-a', 'hop-b', 'hop-c']) {
      const node = await startTestNode({ NODE_ID: id, NODE_NAME: id, ...BULK_HTTP_ENV });
      nodes.push(node);
      admins.set(node, await loginAsAdmin(node));
    }
    [a, b, c] = nodes;
  });
  afterAll(() => Promise.all(nodes.map((n) => n.close())));

  it('a dataset that uses every foreign key pulls into an empty node', async () => {
    await buildDatasetOverHttp(a, admins.get(a)!);
    const linked = await linkEveryForeignKey(a);
    expect(linked).toEqual(expect.arrayContaining(['vital_signs.record_session_id', 'volunteer_clinical_events.target_area_id', 'volunteer_clinical_events.record_session_id', 'record_channel.sensor_id']));
    expect(await nullForeignKeys(a)).toEqual([]);
    const { connectionId: aOnB } = await introduce(b, admins.get(b)!, a, admins.get(a)!);
    await pull(b, aOnB);
    expect(await nullForeignKeys(b)).toEqual([]);
    expect((await verify(b, admins.get(b)!)).digest).toBe((await verify(a, admins.get(a)!)).digest);
  });

  it('A → B → C loses nothing, also rows B imported with old timestamps', async () => {
    const { connectionId: bOnC } = await introduce(c, admins.get(c)!, b, admins.get(b)!);
    await pull(c, bOnC);
    expect((await verify(c, admins.get(c)!)).digest).toBe((await verify(a, admins.get(a)!)).digest);

    // A change at A reaches C through B; origin stays A.
    await a.dataSource.query(`UPDATE volunteer SET name = 'changed at A'`);
    await a.dataSource.query(`DELETE FROM session_annotation`);
    const bOnA = (await b.dataSource.query(`SELECT id FROM research_nodes WHERE node_name = 'hop-a'`))[0].id;
    await pull(b, bOnA);
    await pull(c, bOnC);
    const [va, vc] = await Promise.all([verify(a, admins.get(a)!), verify(c, admins.get(c)!)]);
    expect(vc.digest).toBe(va.digest);
    expect(await c.dataSource.query(`SELECT name, origin_node_id FROM volunteer`)).toEqual([{ name: 'changed at A', origin_node_id: 'hop-a' }]);
    expect(await c.dataSource.query(`SELECT count(*)::int AS n FROM session_annotation`)).toEqual([{ n: 0 }]);
  });
});
