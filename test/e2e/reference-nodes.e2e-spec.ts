import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { localNodeUuid } from '../../src/core/local-node';
import { ReferenceClient } from '../support/reference-peer/reference-client';
import { REF_LEVEL, REF_STATUS, ReferencePeer } from '../support/reference-peer/reference-peer';
import { dotnetO, referenceIdentity, WireRow } from '../support/reference-peer/reference-wire';
import { call } from './harness/http';
import { E2E_NODE_ENV, E2ENode, startNodeProcess } from './harness/process-cluster';

/**
 * Issue #16 on the built node (an OS process, over HTTP only), both directions with peers that
 * speak only the reference protocol (test/support/reference-peer): a reference client pulls from
 * this node while rows change and ends with exactly its rows, a late commit included; this node
 * pulls from a reference node (full, incremental, a failure mid-pull leaving it unchanged).
 */
describe('reference-protocol nodes, both directions (e2e)', () => {
  let node: E2ENode;
  let db: Client;

  const researchers = async () =>
    new Map(
      ((await db.query(`SELECT researcher_id::text AS k, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS u FROM researcher`)).rows as { k: string; u: string }[]).map((r) => [r.k, r.u]),
    );
  const addResearchers = (n: number) =>
    db.query(
      `INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid)
       SELECT gen_random_uuid(), $1, 'r', 'r' || gen_random_uuid() || '@example.org', 'inst', 'role', '0000' FROM generate_series(1, $2)`,
      [localNodeUuid('prism-e2e'), n],
    );
  /**
   * `addResearchers` while the late row's transaction is open. The natural-key trigger locks one of
   * 1024 buckets per key until commit, so a new email in the late row's bucket waits for that
   * commit, which comes only after this pull: the test would wait for itself. Such emails are
   * given up (lock timeout) and others drawn.
   */
  const addResearchersBesideLate = async (n: number) => {
    for (let attempt = 1; ; attempt++) {
      await db.query(`BEGIN; SET LOCAL lock_timeout = '5s'`);
      try {
        await addResearchers(n);
        await db.query('COMMIT');
        return;
      } catch (error) {
        await db.query('ROLLBACK');
        if ((error as { code?: string }).code !== '55P03' || attempt >= 5) throw error;
      }
    }
  };

  beforeAll(async () => {
    node = await startNodeProcess('prism-e2e', 'PRISM e2e', { ...E2E_NODE_ENV, SYNC_REFERENCE_OVERLAP_SECONDS: '60', SYNC_RETRY_ATTEMPTS: '1' });
    db = new Client({ connectionString: node.db.url });
    await db.connect();
    await addResearchers(230);
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await node?.proc.close();
    await node?.db.drop();
  }, 60_000);

  it('a reference client pulls from this node while rows change, and ends with exactly its rows (late commit included)', async () => {
    const reference = new ReferenceClient(node.url, referenceIdentity('reference-e2e'));
    const registration = await reference.register(REF_LEVEL.ReadWrite);
    const approved = await call(node.url, 'POST', `/api/node/${String(registration.registrationId)}/approve`, { token: node.admin, body: { nodeAccessLevel: 1 } });
    expect(approved.status).toBe(200);
    const late = new Client({ connectionString: node.db.url });
    await late.connect();
    try {
      await late.query('BEGIN');
      const [{ id }] = (await late.query(`INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid)
        VALUES (gen_random_uuid(), $1, 'late', 'late@example.org', 'i', 'r', '0') RETURNING researcher_id::text AS id`, [localNodeUuid('prism-e2e')])).rows;
      const first = await reference.pull({
        betweenPages: async (route, page) => {
          if (route !== 'researchers' || page > 1) return;
          await db.query(`UPDATE researcher SET name = name || '+' WHERE researcher_id IN (SELECT researcher_id FROM researcher ORDER BY updated_at, researcher_id LIMIT 40)`);
          await addResearchersBesideLate(5);
        },
      });
      const keys = first.received.get('researchers')!.map((r) => String(r.researcherId));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(230);
      await late.query('COMMIT');
      await reference.pull();
      const held = new Map([...reference.store.get('researchers')!].map(([k, row]) => [k, String(row.updatedAt)]));
      expect(held.has(id)).toBe(true);
      expect(held).toEqual(await researchers());
    } finally {
      await late.end();
    }
  });

  it('this node is introduced to a reference node and pulls from it: full, incremental, and unchanged by a failure mid-pull', async () => {
    const peer = await ReferencePeer.start('reference-source');
    try {
      const now = () => new Date().toISOString();
      const researcher = (): WireRow => ({ researcherId: randomUUID(), researchNodeId: randomUUID(), name: 'ref', email: `${randomUUID()}@ref.org`, institution: 'ref', role: 'r', orcid: '1', createdAt: now(), updatedAt: now() });
      peer.put('researchers', Array.from({ length: 120 }, researcher));
      peer.put('snomed/lateralities', [{ code: 'REF-LAT', displayName: 'Left', description: 'd', isActive: true, createdAt: now(), updatedAt: now() }]);

      const connected = await call(node.url, 'POST', '/api/node/connect', { token: node.admin, body: { nodeUrl: peer.url, certificate: peer.identity.certificateDer, requestedNodeAccessLevel: 1 } });
      expect(connected.status).toBe(201);
      const [registered] = [...peer.nodes.values()];
      expect(registered.status).toBe(REF_STATUS.Pending);
      peer.authorize(registered.certificate, REF_LEVEL.ReadWrite);
      const pull = () => call(node.url, 'POST', '/api/sync/pull', { token: node.admin, body: { remoteNodeId: connected.body.connectionId } });

      expect((await pull()).status).toBe(200);
      const local = await researchers();
      for (const row of peer.rows('researchers')) expect(dotnetO(local.get(String(row.researcherId))!)).toBe(dotnetO(String(row.updatedAt)));

      const changed: WireRow = { ...peer.rows('researchers')[0], name: 'changed on the reference', updatedAt: now() };
      peer.put('researchers', [changed]);
      peer.put('snomed/lateralities', [{ ...peer.rows('snomed/lateralities')[0], displayName: 'Right', updatedAt: now() }]);
      peer.failWhen = (r) => r.startsWith('GET /api/sync/researchers');
      const failed = await pull();
      expect(failed.status).toBeGreaterThanOrEqual(400);
      expect((await db.query(`SELECT display_name FROM snomed_laterality WHERE code = 'REF-LAT'`)).rows[0].display_name).toBe('Left');
      peer.failWhen = undefined;

      expect((await pull()).status).toBe(200);
      expect((await db.query(`SELECT name FROM researcher WHERE researcher_id = $1`, [changed.researcherId])).rows[0].name).toBe('changed on the reference');
      expect((await db.query(`SELECT display_name FROM snomed_laterality WHERE code = 'REF-LAT'`)).rows[0].display_name).toBe('Right');
      const nodes = await call(node.url, 'GET', '/api/node/nodes', { token: node.admin });
      expect((nodes.body as { id: string; negotiatedProtocol: string }[]).find((n) => n.id === connected.body.connectionId)!.negotiatedProtocol).toBe('reference');
    } finally {
      await peer.close();
    }
  });
});
