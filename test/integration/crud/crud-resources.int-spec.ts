import request from 'supertest';
import { CompiledResource } from '../../../src/crud/compiled-resource';
import { RESOURCES } from '../../../src/aggregates';
import {
  BULK_HTTP_ENV,
  collectionUrl,
  createSample,
  ensureLocalNodeRow,
  itemUrl,
  resourcesInApplyOrder,
  RowsByTable,
  sampleRequest,
  sampleValue,
} from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';

/**
 * One block of tests per CRUD resource, generated from the resource table: create/read/update/
 * delete, validation, 404, auth, tombstone and µs updated_at round trip.
 */
describe('CRUD resources', () => {
  let node: TestNode;
  let token: string;
  const rows: RowsByTable = new Map();

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'crud-node', ...BULK_HTTP_ENV });
    token = await loginAsAdmin(node);
    await ensureLocalNodeRow(node);
    for (const r of resourcesInApplyOrder(node)) await createSample(node, token, r, rows);
  });
  afterAll(() => node?.close());

  const resource = (name: string): CompiledResource => resourcesInApplyOrder(node).find((r) => r.def.name === name)!;

  /**
   * Fresh referenced rows for the FK columns that are part of the row's identity (a join's other
   * side, a single's parent), so a second row does not clash with the dataset's.
   */
  async function freshIdentity(r: CompiledResource): Promise<{ rows: RowsByTable; fresh: Record<string, unknown> }> {
    const identity = r.def.single ? r.scope.map((s) => s.column) : r.item.map((i) => i.column);
    const local: RowsByTable = new Map(rows);
    const fresh: Record<string, unknown> = {};
    for (const column of identity) {
      const fk = r.model.foreignKeys.find((f) => f.columns.includes(column.column));
      if (!fk) continue;
      const parent = resourcesInApplyOrder(node).find((p) => p.model.table === fk.referencedTable && p.scope.length === 0)!;
      const created = await createSample(node, token, parent, new Map(rows));
      local.set(fk.referencedTable, [created]);
      fresh[column.property] = created[parent.model.columns.find((c) => c.column === fk.referencedColumns[0])!.property];
    }
    return { rows: local, fresh };
  }

  describe.each(RESOURCES.map((d) => [d.name]))('%s', (name) => {
    it('creates, reads, updates (µs updated_at) and deletes (tombstone)', async () => {
      const r = resource(name);
      const { rows: context, fresh } = await freshIdentity(r);
      const created = await createSample(node, token, r, context, fresh);
      const url = itemUrl(r, created);
      expect(created.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(created.originNodeId).toBe('crud-node');
      const read = await request(node.url).get(url).set(bearer(token)).expect(200);
      expect(read.body).toEqual(created);

      const column = r.updatable.find((c) => !r.model.foreignKeys.some((f) => f.columns.includes(c.column)) && c.type !== 'jsonb');
      if (column) {
        const value = sampleValue(column);
        const updated = await request(node.url).patch(url).set(bearer(token)).send({ [column.property]: value }).expect(200);
        expect(updated.body[column.property]).toEqual(value);
        expect(updated.body.updatedAt > String(created.updatedAt)).toBe(true);
        expect(updated.body.createdAt).toBe(created.createdAt);
        // The µs text the API returned is exactly the stored value.
        const where = r.model.key.map((k, i) => `"${k}" = $${i + 2}`).join(' AND ');
        const keyValues = r.model.key.map((k) => updated.body[r.model.columns.find((c) => c.column === k)!.property]);
        const [{ same }] = await node.dataSource.query(
          `SELECT updated_at = $1::timestamptz AS same FROM "${r.model.table}" WHERE ${where}`,
          [updated.body.updatedAt, ...keyValues],
        );
        expect(same).toBe(true);
        expect((await request(node.url).get(url).set(bearer(token)).expect(200)).body.updatedAt).toBe(updated.body.updatedAt);
      }

      await request(node.url).delete(url).set(bearer(token)).expect(204);
      await request(node.url).get(url).set(bearer(token)).expect(404);
      const rowKey = Object.fromEntries(r.model.key.map((k) => [k, created[r.model.columns.find((c) => c.column === k)!.property]]));
      const tombstones = await node.dataSource.query(`SELECT 1 FROM tombstones WHERE table_name = $1 AND row_key = $2::jsonb`, [
        r.model.table,
        JSON.stringify(rowKey),
      ]);
      expect(tombstones).toHaveLength(1);
    });

    it('lists the dataset row within its scope, paged', async () => {
      const r = resource(name);
      const row = rows.get(r.model.table)![0];
      if (r.def.single) {
        await request(node.url).get(itemUrl(r, row)).set(bearer(token)).expect(200);
        return;
      }
      const res = await request(node.url).get(collectionUrl(r, row)).query({ pageSize: 500 }).set(bearer(token)).expect(200);
      expect(res.body).toEqual(expect.objectContaining({ page: 1, pageSize: 500 }));
      expect(res.body.data).toContainEqual(row);
      const filtered = await request(node.url)
        .get(collectionUrl(r, row))
        .query({ [r.item[0].param]: String(row[r.item[0].param]) })
        .set(bearer(token))
        .expect(200);
      expect(filtered.body.data).toEqual([row]);
    });

    it('rejects malformed input with the fields named, and writes nothing', async () => {
      const r = resource(name);
      const { path, body } = sampleRequest(node, r, rows);
      const stringColumn = r.creatable.find((c) => c.type === 'character varying' || c.type === 'text');
      const bad: Record<string, unknown> = { ...body, unknownField: 1, updatedAt: '2020-01-01T00:00:00Z' };
      if (stringColumn) bad[stringColumn.property] = 12;
      const before = await node.dataSource.query(`SELECT count(*)::int AS n FROM "${r.model.table}"`);
      const res = await request(node.url).post(collectionUrl(r, path)).set(bearer(token)).send(bad).expect(400);
      expect(res.body.error).toBe('ERR_VALIDATION');
      const fields = res.body.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['unknownField', 'updatedAt', ...(stringColumn ? [stringColumn.property] : [])]));
      expect(await node.dataSource.query(`SELECT count(*)::int AS n FROM "${r.model.table}"`)).toEqual(before);
    });

    it('answers 404 for an unknown row and 401 without a token', async () => {
      const r = resource(name);
      const row = { ...rows.get(r.model.table)![0] };
      const last = r.def.single ? r.scope[r.scope.length - 1] : r.item[0];
      row[last.param] = sampleValue(last.column);
      const res = await request(node.url).get(itemUrl(r, row)).set(bearer(token)).expect(404);
      expect(res.body.error).toBe('ERR_NOT_FOUND');
      await request(node.url).patch(itemUrl(r, row)).set(bearer(token)).send({}).expect((x) => expect([400, 404]).toContain(x.status));
      expect((await request(node.url).get(itemUrl(r, rows.get(r.model.table)![0])).expect(401)).body.error).toBe('ERR_NO_TOKEN');
    });
  });
});
