import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow, withForcedTimestamps } from '../../support/sync-sql';
import { lateralityConflicts, NodePair, pullFrom, pullOk, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/** Newer wins, ties, deletes, conflicts, preview and the refusals of a pull (SPEC §6), on two nodes. */
describe('pull rules', () => {
  let pair: NodePair;
  let peerOnB: string; // A in B's registry, as a connection B pulls from

  const pullA = () => pullFrom(pair.a, pair.adminA, pair.peerOnA);
  const pullB = () => pullFrom(pair.b, pair.adminB, peerOnB);
  const ok = pullOk;
  const conflicts = (code: string) => lateralityConflicts(pair.a, pair.adminA, code);

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    // One registry row per peer serves both directions (as in the reference): A registered at B with
    // its URL and B approved it ReadWrite, so B can pull from A through that same row.
    peerOnB = pair.requesterOnB;
  });
  afterAll(() => pair?.close());

  it('changes on the source arrive by the next pull, with their exact timestamps', async () => {
    await laterality(pair.b, 'new-1');
    await ok(pullA());
    expect(await lateralityRow(pair.a, 'new-1')).toEqual(await lateralityRow(pair.b, 'new-1'));
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'renamed' WHERE code = 'new-1'`);
    const body = await ok(pullA());
    expect(body.summary.totals.updated).toBe(1);
    expect(await lateralityRow(pair.a, 'new-1')).toEqual(await lateralityRow(pair.b, 'new-1'));
  });

  it('the newer version wins in both directions and the loser is archived', async () => {
    await laterality(pair.b, 'both');
    await ok(pullA());
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'older edit on B' WHERE code = 'both'`);
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'newer edit on A' WHERE code = 'both'`);
    await ok(pullA());
    expect((await lateralityRow(pair.a, 'both'))!.name).toBe('newer edit on A');
    expect(await conflicts('both')).toEqual([
      expect.objectContaining({ winner: 'local', rule: 'newer_updated_at', remoteVersion: expect.objectContaining({ displayName: 'older edit on B' }) }),
    ]);
    await ok(pullB());
    expect(await lateralityRow(pair.b, 'both')).toEqual(await lateralityRow(pair.a, 'both'));
  });

  it('equal timestamps fall to the content hash: both nodes keep the same version', async () => {
    await laterality(pair.b, 'tie');
    await ok(pullA());
    const at = '2025-06-01T00:00:00.000001Z';
    await withForcedTimestamps(pair.a, [[`UPDATE snomed_laterality SET display_name = 'tie-a', updated_at = $1 WHERE code = 'tie'`, [at]]]);
    await withForcedTimestamps(pair.b, [[`UPDATE snomed_laterality SET display_name = 'tie-b', updated_at = $1 WHERE code = 'tie'`, [at]]]);
    await ok(pullA());
    await ok(pullB());
    const [a, b] = [await lateralityRow(pair.a, 'tie'), await lateralityRow(pair.b, 'tie')];
    expect(a).toEqual(b);
    expect(a!.updated).toBe(at);
    expect(await conflicts('tie')).toEqual([expect.objectContaining({ rule: 'tie_content_hash' })]);
  });

  it('deletes propagate and keep the deletion time', async () => {
    await laterality(pair.b, 'gone');
    await ok(pullA());
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'gone'`);
    const body = await ok(pullA());
    expect(body.summary.totals.deleted).toBe(1);
    expect(await lateralityRow(pair.a, 'gone')).toBeUndefined();
    const deletedAt = `SELECT deleted_at::text AS at FROM tombstones WHERE table_name = 'snomed_laterality' AND row_key = '{"code":"gone"}'`;
    expect(await pair.a.dataSource.query(deletedAt)).toEqual(await pair.b.dataSource.query(deletedAt));
  });

  it('a local edit newer than a remote delete survives it, and an older copy never resurrects a delete', async () => {
    await laterality(pair.b, 'keep');
    await ok(pullA());
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'keep'`);
    await pair.a.dataSource.query(`UPDATE snomed_laterality SET display_name = 'edited after the delete' WHERE code = 'keep'`);
    await ok(pullA());
    expect((await lateralityRow(pair.a, 'keep'))!.name).toBe('edited after the delete');
    expect(await conflicts('keep')).toEqual([expect.objectContaining({ winner: 'local', rule: 'delete_vs_update' })]);
    // B pulls A's newer row back: newer wins over B's tombstone.
    await ok(pullB());
    expect((await lateralityRow(pair.b, 'keep'))!.name).toBe('edited after the delete');
  });

  it('a remote change to a row whose parent was deleted here does not block the pull', async () => {
    await pair.b.dataSource.query(`INSERT INTO snomed_body_region (snomed_code, display_name, description, is_active) VALUES ('R1', 'region', 'd', true)`);
    await pair.b.dataSource.query(
      `INSERT INTO snomed_body_structure (snomed_code, body_region_code, display_name, structure_type, description, is_active) VALUES ('S1', 'R1', 'structure', 't', 'd', true)`,
    );
    await ok(pullA());
    await pair.a.dataSource.query(`DELETE FROM snomed_body_structure WHERE snomed_code = 'S1'`);
    await pair.a.dataSource.query(`DELETE FROM snomed_body_region WHERE snomed_code = 'R1'`);
    await pair.b.dataSource.query(`UPDATE snomed_body_structure SET display_name = 'changed after the delete' WHERE snomed_code = 'S1'`);
    const body = await ok(pullA());
    expect(body.summary.tables.find((t: { table: string }) => t.table === 'snomed_body_structure')).toMatchObject({ received: 1, skippedOrphans: 1 });
    expect(await pair.a.dataSource.query(`SELECT count(*)::int AS n FROM snomed_body_structure WHERE snomed_code = 'S1'`)).toEqual([{ n: 0 }]);
    const archived = (await request(pair.a.url).get('/api/sync/conflicts').set(bearer(pair.adminA)).query({ table: 'snomed_body_structure' })).body.data;
    expect(archived).toEqual([expect.objectContaining({ rule: 'missing_parent', winner: 'local' })]);
    // The delete travels back: both nodes end without the region and its structure.
    await ok(pullB());
    expect(await pair.b.dataSource.query(`SELECT count(*)::int AS n FROM snomed_body_region WHERE snomed_code = 'R1'`)).toEqual([{ n: 0 }]);
    // B's newer edit of the structure went with its region, archived on B.
    expect(await pair.b.dataSource.query(`SELECT count(*)::int AS n FROM snomed_body_structure WHERE snomed_code = 'S1'`)).toEqual([{ n: 0 }]);
    // B's edit also met A's delete of the structure itself (B's edit was newer: kept, then removed with its region).
    expect(await pair.b.dataSource.query(`SELECT rule, winner FROM sync_conflicts WHERE table_name = 'snomed_body_structure' ORDER BY created_at`)).toEqual([
      { rule: 'delete_vs_update', winner: 'local' },
      { rule: 'parent_deleted', winner: 'remote' },
    ]);
  });

  it('a preview reports exactly what the following pull does, and changes nothing', async () => {
    await laterality(pair.b, 'preview-1');
    await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = 'previewed' WHERE code = 'new-1'`);
    const before = await verify(pair.a, pair.adminA);
    const preview = await request(pair.a.url).post('/api/sync/preview').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ remoteNodeId: pair.peerOnA, manifest: expect.objectContaining({ nodeName: 'Node B' }) });
    expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
    const pulled = await ok(pullA());
    expect(pulled.summary.totals).toEqual(preview.body.preview.totals);
    expect(pulled.summary.totals).toMatchObject({ inserted: 1, updated: 1 });
  });

  it('different records sharing an email or code never abort a pull', async () => {
    const volunteer = (code: string) => ({
      volunteerCode: code,
      name: 'Same Person?',
      email: 'same@example.org',
      birthDate: '1990-05-01T00:00:00Z',
      gender: 'F',
      bloodType: 'O+',
      consentStatus: 'Granted',
      enrolledAt: '2026-01-01T00:00:00.000001Z',
    });
    const onA = await request(pair.a.url).post('/api/volunteers').set(bearer(pair.adminA)).send(volunteer('V-SAME'));
    const onB = await request(pair.b.url).post('/api/volunteers').set(bearer(pair.adminB)).send(volunteer('V-SAME'));
    expect([onA.status, onB.status]).toEqual([201, 201]);
    await ok(pullA());
    const rows = await pair.a.dataSource.query(`SELECT origin_node_id FROM volunteer WHERE email = 'same@example.org' ORDER BY 1`);
    expect(rows).toEqual([{ origin_node_id: 'node-a' }, { origin_node_id: 'node-b' }]);
  });

  it('refuses a peer whose connection is ReadOnly before any network call', async () => {
    const set = (level: number) => request(pair.a.url).put(`/api/node/${pair.peerOnA}/access-level`).set(bearer(pair.adminA)).send({ nodeAccessLevel: level }).expect(200);
    await set(NodeAccessLevel.ReadOnly);
    try {
      const res = await pullA();
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'ERR_INSUFFICIENT_CAPABILITY', grantedCapability: 'ReadOnly', requiredCapability: 'ReadWrite' });
      expect(res.body.message).toContain('Node B');
    } finally {
      await set(NodeAccessLevel.ReadWrite);
    }
  });

  it('a ReadOnly grant at the peer gives the same clear error and moves nothing', async () => {
    await laterality(pair.b, 'not-for-readonly');
    const before = await verify(pair.a, pair.adminA);
    const set = (level: number) =>
      request(pair.b.url).put(`/api/node/${pair.requesterOnB}/access-level`).set(bearer(pair.adminB)).send({ nodeAccessLevel: level }).expect(200);
    await set(NodeAccessLevel.ReadOnly);
    try {
      const res = await pullA();
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('ERR_INSUFFICIENT_CAPABILITY');
      expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
      const log = await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ remoteNodeId: pair.peerOnA, pageSize: 1 });
      expect(log.body.data[0]).toMatchObject({ status: 'failed', errorCode: 'ERR_INSUFFICIENT_CAPABILITY' });
    } finally {
      await set(NodeAccessLevel.ReadWrite);
    }
  });

  it('a second pull while one runs gets 409 with the running job id', async () => {
    const running = '11111111-2222-4333-8444-555555555555';
    await pair.a.dataSource.query(`INSERT INTO sync_logs (id, remote_node_id, kind, status) VALUES ($1, $2, 'pull', 'in_progress')`, [running, pair.peerOnA]);
    // Another replica of A holding the sync lock.
    const runner = pair.a.dataSource.createQueryRunner();
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [0x5052534d]);
    try {
      const res = await pullA();
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: 'ERR_SYNC_IN_PROGRESS', jobId: running });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [0x5052534d]);
      await runner.release();
      await pair.a.dataSource.query(`DELETE FROM sync_logs WHERE id = $1`, [running]);
    }
  });

  it('refuses unknown, unauthorized and malformed peers with clear errors', async () => {
    const res = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('ERR_NODE_NOT_FOUND');
    const bad = await request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('ERR_VALIDATION');
    const anonymous = await request(pair.a.url).post('/api/sync/pull').send({ remoteNodeId: pair.peerOnA });
    expect(anonymous.status).toBe(401);
  });
});
