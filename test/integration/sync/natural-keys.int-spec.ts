import request from 'supertest';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { BULK_HTTP_ENV } from '../../support/dataset';
import type { TestNode } from '../../support/test-node';
import { NodePair, startPair, verify, pullInto as pullIntoPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/** Natural keys never block a pull; local writes still get a 409 (issue #14 item 1). */
describe('natural keys', () => {
  let pair: NodePair;
  const pullInto = (into: 'a' | 'b') => pullIntoPair(pair, into);
  const api = (into: 'a' | 'b') => ({
    node: into === 'a' ? pair.a : pair.b,
    token: into === 'a' ? pair.adminA : pair.adminB,
  });
  const createVolunteer = async (into: 'a' | 'b', code: string, email: string) => {
    const { node, token } = api(into);
    return request(node.url)
      .post('/api/volunteers')
      .set(bearer(token))
      .send({ volunteerCode: code, name: code, email, birthDate: '1990-05-01T00:00:00Z', gender: 'F', bloodType: 'O+', consentStatus: 'Granted' });
  };
  const patchVolunteer = (into: 'a' | 'b', id: string, body: Record<string, unknown>) => {
    const { node, token } = api(into);
    return request(node.url).patch(`/api/volunteers/${id}`).set(bearer(token)).send(body);
  };
  const naturalKeyConflicts = (node: TestNode) =>
    node.dataSource.query(
      `SELECT row_key->>'volunteer_id' AS row, local_version->>'volunteerId' AS other, winner FROM sync_conflicts WHERE rule = 'natural_key' AND table_name = 'volunteer' ORDER BY created_at`,
    );
  const converge = async () => {
    for (let i = 0; i < 2; i++) {
      await pullInto('a');
      await pullInto('b');
    }
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
  };

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
  });
  afterAll(() => pair?.close());

  it('every natural key of the specs has its trigger in the schema, and no other', async () => {
    const declared = pair.a.app
      .get(SyncCatalog)
      .tables()
      .flatMap((t) => (t.naturalKeys ?? []).map((k) => `${t.table} ${k.name} ${k.columns.join(',')}|${t.key.join(',')}`))
      .sort();
    const triggers: { def: string }[] = await pair.a.dataSource.query(
      `SELECT pg_get_triggerdef(tg.oid) AS def FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid WHERE p.proname = 'prism_unique_natural_key'`,
    );
    const found = triggers.map(({ def }) => {
      const [, name, table, columns, key] = /^CREATE TRIGGER (\S+) BEFORE INSERT OR UPDATE ON public\.(\S+) FOR EACH ROW EXECUTE FUNCTION prism_unique_natural_key\('([^']+)', '([^']+)'\)$/.exec(def) ?? [def];
      return `${table} ${name} ${columns}|${key}`;
    });
    expect(found.sort()).toEqual(declared);
    expect(declared.length).toBeGreaterThanOrEqual(4);
  });

  it('a local create or edit duplicating a key among the rows of the same owner gets 409, not another owner', async () => {
    expect((await createVolunteer('a', 'V-DUP-1', 'dup@example.org')).status).toBe(201);
    const again = await createVolunteer('a', 'V-DUP-2', 'dup@example.org');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'ERR_UNIQUE_VIOLATION', constraint: 'uq_volunteer_origin_email' });
    expect(again.body.message).toContain('email=dup@example.org');
    const other = await createVolunteer('a', 'V-DUP-3', 'other@example.org');
    expect(other.status).toBe(201);
    const edit = await patchVolunteer('a', other.body.volunteerId, { volunteerCode: 'V-DUP-1' });
    expect(edit.status).toBe(409);
    expect(edit.body).toMatchObject({ error: 'ERR_UNIQUE_VIOLATION', constraint: 'uq_volunteer_origin_code' });
    // Edits that keep the key, and keys another node owns, are fine.
    expect((await patchVolunteer('a', other.body.volunteerId, { name: 'renamed' })).status).toBe(200);
    expect((await createVolunteer('b', 'V-DUP-1', 'dup@example.org')).status).toBe(201);
    // Researchers: the same rule, enforced by the database for any writer.
    const researcher = `INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid) VALUES (gen_random_uuid(), $1, 'R', 'r@example.org', 'I', 'Chief', '0000')`;
    const [{ id }] = await pair.a.dataSource.query(`SELECT id FROM research_nodes WHERE is_local`);
    await pair.a.dataSource.query(researcher, [id]);
    await expect(pair.a.dataSource.query(researcher, [id])).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505', constraint: 'uq_researcher_origin_email' }) });
  });

  it('a local bulk write of many keys in one transaction fits the lock table (one lock per key bucket, not per key)', async () => {
    const [{ id }] = await pair.a.dataSource.query(`SELECT id FROM research_nodes WHERE is_local`);
    const insert = (emails: string) =>
      `INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid)
       SELECT gen_random_uuid(), $1, 'R', ${emails}, 'I', 'Chief', '0000' FROM generate_series(1, 30000) g`;
    const writer = pair.a.dataSource.createQueryRunner();
    await writer.startTransaction();
    try {
      // More keys than the server's whole lock table holds (max_locks_per_transaction × max_connections).
      await writer.query(insert(`'bulk-' || g || '@example.org'`), [id]);
      expect(await writer.query(`SELECT count(*)::int AS n FROM researcher WHERE email LIKE 'bulk-%'`)).toEqual([{ n: 30000 }]);
      // The keys are still checked: the same emails again collide.
      await expect(writer.query(insert(`'bulk-' || g || '@example.org'`), [id])).rejects.toMatchObject({
        driverError: expect.objectContaining({ code: '23505', constraint: 'uq_researcher_origin_email' }),
      });
    } finally {
      await writer.rollbackTransaction();
      await writer.release();
    }
  });

  it('A edits its copy of one of B’s volunteers to an email B gives another: both pulls apply, both nodes converge, both record it', async () => {
    const one = (await createVolunteer('b', 'V-E1', 'e1@example.org')).body.volunteerId as string;
    const two = (await createVolunteer('b', 'V-E2', 'e2@example.org')).body.volunteerId as string;
    await pullInto('a');
    expect((await patchVolunteer('a', one, { email: 'shared@example.org' })).status).toBe(200);
    expect((await patchVolunteer('b', two, { email: 'shared@example.org' })).status).toBe(200);
    await converge();
    for (const node of [pair.a, pair.b]) {
      expect(await node.dataSource.query(`SELECT volunteer_id AS id FROM volunteer WHERE email = 'shared@example.org' ORDER BY 1`)).toEqual(
        [{ id: one }, { id: two }].sort((x, y) => x.id.localeCompare(y.id)),
      );
    }
    expect(await naturalKeyConflicts(pair.a)).toEqual([{ row: two, other: one, winner: 'remote' }]);
    expect(await naturalKeyConflicts(pair.b)).toEqual([{ row: one, other: two, winner: 'remote' }]);
    // Nothing was lost, so there is nothing to restore (its local version is the other row).
    const [{ id }] = await pair.a.dataSource.query(`SELECT id FROM sync_conflicts WHERE rule = 'natural_key'`);
    const restore = await request(pair.a.url).post(`/api/sync/conflicts/${id}/restore`).set(bearer(pair.adminA)).send({});
    expect(restore.status).toBe(409);
    expect(restore.body.error).toBe('ERR_CONFLICT_NOT_RESTORABLE');
  });

  it('B deletes and re-creates a volunteer code, A edits its old copy after the delete: both pulls apply, both nodes keep both', async () => {
    const old = (await createVolunteer('b', 'V-CODE', 'code-old@example.org')).body.volunteerId as string;
    await pullInto('a');
    await pullInto('b');
    await pair.b.dataSource.query(`DELETE FROM volunteer WHERE volunteer_id = $1`, [old]);
    const recreated = (await createVolunteer('b', 'V-CODE', 'code-new@example.org')).body.volunteerId as string;
    // A's edit is newer than B's delete: A keeps the old volunteer, and B gets it back.
    expect((await patchVolunteer('a', old, { name: 'edited on A' })).status).toBe(200);
    await converge();
    for (const node of [pair.a, pair.b]) {
      const rows = await node.dataSource.query(`SELECT volunteer_id AS id FROM volunteer WHERE volunteer_code = 'V-CODE' ORDER BY 1`);
      expect(rows.map((r: { id: string }) => r.id).sort()).toEqual([old, recreated].sort());
    }
    expect(await naturalKeyConflicts(pair.a)).toEqual(expect.arrayContaining([{ row: recreated, other: old, winner: 'remote' }]));
    expect(await naturalKeyConflicts(pair.b)).toEqual(expect.arrayContaining([{ row: old, other: recreated, winner: 'remote' }]));
  });
});
