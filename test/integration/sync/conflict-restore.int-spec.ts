import request from 'supertest';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { bearer, loginAsResearcher } from '../../support/users';

/** POST /api/sync/conflicts/{id}/restore: the losing version comes back as a new local edit and wins on both nodes. */
describe('conflict restore', () => {
  let pair: NodePair;
  let peerOnB: string;

  const pull = async (node: 'a' | 'b') => {
    const [url, token, remoteNodeId] = node === 'a' ? [pair.a.url, pair.adminA, pair.peerOnA] : [pair.b.url, pair.adminB, peerOnB];
    const res = await request(url).post('/api/sync/pull').set(bearer(token)).send({ remoteNodeId });
    if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const conflictOf = async (code: string) => {
    const res = await request(pair.a.url).get('/api/sync/conflicts').set(bearer(pair.adminA)).query({ table: 'snomed_laterality', pageSize: 200 });
    const found = res.body.data.filter((c: { key: { code: string } }) => c.key.code === code);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const restore = (id: string, token = pair.adminA) => request(pair.a.url).post(`/api/sync/conflicts/${id}/restore`).set(bearer(token));
  const converged = async () => {
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
  };

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    peerOnB = pair.requesterOnB;
  });
  afterAll(() => pair?.close());

  it('writes the losing local edit back; it wins here and, pulled, on the peer; once only', async () => {
    await laterality(pair.b, 'edited');
    await pull('a');
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'older edit on A' WHERE code = 'edited'`);
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'newer edit on B' WHERE code = 'edited'`);
    await pull('a');
    const before = (await lateralityRow(pair.a, 'edited'))!;
    expect(before.name).toBe('newer edit on B');
    const conflict = await conflictOf('edited');
    expect(conflict).toMatchObject({ winner: 'remote', restoredAt: null, restoredBy: null });

    const res = await restore(conflict.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'written', table: 'snomed_laterality', key: { code: 'edited' }, restoredBy: expect.stringMatching(/^admin/) });
    const after = (await lateralityRow(pair.a, 'edited'))!;
    expect(after.name).toBe('older edit on A');
    expect(after.updated > before.updated).toBe(true);
    expect(await conflictOf('edited')).toMatchObject({ restoredAt: res.body.restoredAt, restoredBy: expect.stringMatching(/^admin/) });

    await pull('b');
    expect(await lateralityRow(pair.b, 'edited')).toEqual(after);
    await pull('a');
    expect(await lateralityRow(pair.a, 'edited')).toEqual(after);
    await converged();

    const again = await restore(conflict.id);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('ERR_CONFLICT_ALREADY_RESTORED');
  });

  it('refuses when the row changed after the conflict was decided, and shows the current version', async () => {
    await laterality(pair.b, 'moved-on');
    await pull('a');
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'lost on A' WHERE code = 'moved-on'`);
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'kept from B' WHERE code = 'moved-on'`);
    await pull('a');
    const conflict = await conflictOf('moved-on');
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'edited again on A' WHERE code = 'moved-on'`);

    const res = await restore(conflict.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'ERR_CONFLICT_ROW_CHANGED', current: expect.objectContaining({ code: 'moved-on', displayName: 'edited again on A' }) });
    expect((await lateralityRow(pair.a, 'moved-on'))!.name).toBe('edited again on A');
    expect(await conflictOf('moved-on')).toMatchObject({ restoredAt: null });
  });

  it('brings back a row whose delete won, on both nodes', async () => {
    await laterality(pair.b, 'deleted-on-b');
    await pull('a');
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'edit older than the delete' WHERE code = 'deleted-on-b'`);
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'deleted-on-b'`);
    await pull('a');
    expect(await lateralityRow(pair.a, 'deleted-on-b')).toBeUndefined();
    const conflict = await conflictOf('deleted-on-b');
    expect(conflict).toMatchObject({ winner: 'remote', rule: 'delete_vs_update' });

    const res = await restore(conflict.id);
    expect(res.status).toBe(200);
    expect(res.body.action).toBe('written');
    expect((await lateralityRow(pair.a, 'deleted-on-b'))!.name).toBe('edit older than the delete');
    const tombstones = `SELECT count(*)::int AS n FROM tombstones WHERE table_name = 'snomed_laterality' AND row_key = '{"code":"deleted-on-b"}'`;
    expect(await pair.a.dataSource.query(tombstones)).toEqual([{ n: 0 }]);

    await pull('b');
    expect((await lateralityRow(pair.b, 'deleted-on-b'))!.name).toBe('edit older than the delete');
    expect(await pair.b.dataSource.query(tombstones)).toEqual([{ n: 0 }]);
    await converged();
  });

  it('is for Admins only, with clear errors for unknown and malformed ids', async () => {
    await laterality(pair.b, 'guarded');
    await pull('a');
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'a' WHERE code = 'guarded'`);
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'b' WHERE code = 'guarded'`);
    await pull('a');
    const conflict = await conflictOf('guarded');
    const researcher = await loginAsResearcher(pair.a);
    expect((await restore(conflict.id, researcher)).status).toBe(403);
    expect((await request(pair.a.url).post(`/api/sync/conflicts/${conflict.id}/restore`)).status).toBe(401);
    const unknown = await restore('00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'ERR_NOT_FOUND']);
    expect((await restore('not-a-uuid')).status).toBe(400);
    expect((await lateralityRow(pair.a, 'guarded'))!.name).toBe('b');
  });
});
