import { Client } from 'pg';
import { localNodeUuid } from '../../../src/core/local-node';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { ReferenceClient } from '../../support/reference-peer/reference-client';
import { REFERENCE_FEEDS, referenceIdentity } from '../../support/reference-peer/reference-wire';
import { startTestNode, TestNode } from '../../support/test-node';
import { loginAsAdmin } from '../../support/users';

/**
 * A node that speaks only the reference protocol pulls from this node (issue #16 item 3): its
 * `since`/page pulls never skip or repeat a row while rows change, and a `since` equal to a
 * generatedAt this node issued brings rows committed late with an older updated_at.
 */
describe('serving a reference-protocol client (since/page)', () => {
  let node: TestNode;
  let reference: ReferenceClient;

  const researcherInsert = `INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid)
    VALUES (gen_random_uuid(), $1, 'r', 'r' || gen_random_uuid() || '@example.org', 'inst', 'role', '0000')`;
  const addResearchers = (n: number) =>
    node.dataSource.query(
      `INSERT INTO researcher (researcher_id, research_node_id, name, email, institution, role, orcid)
       SELECT gen_random_uuid(), $1, 'r', 'r' || gen_random_uuid() || '@example.org', 'inst', 'role', '0000' FROM generate_series(1, $2)`,
      [localNodeUuid(node.config.node.nodeId), n],
    );

  /** key → updatedAt of a route's root rows at the source. */
  async function sourceRows(route: string): Promise<Map<string, string>> {
    const catalog = node.app.get(SyncCatalog);
    const root = catalog.table(catalog.feed(route)!.root);
    const rows: { k: string; u: string }[] = await node.dataSource.query(
      `SELECT "${root.key[0]}"::text AS k, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS u FROM "${root.table}"`,
    );
    return new Map(rows.map((r) => [r.k, r.u]));
  }

  const referenceRows = (route: string) => new Map([...reference.store.get(route)!].map(([k, row]) => [k, String(row.updatedAt)]));

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'prism-source', NODE_NAME: 'PRISM source', ...BULK_HTTP_ENV });
    await buildDatasetOverHttp(node, await loginAsAdmin(node));
    await addResearchers(250);
    reference = new ReferenceClient(node.url, referenceIdentity('reference-puller'));
    const registration = await reference.register(1);
    await node.app.get(NodeRegistryService).update(String(registration.registrationId), { status: AuthorizationStatus.Authorized, nodeAccessLevel: NodeAccessLevelName.ReadWrite });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('pulls every row of every route, and rows changed during its paging neither skip nor repeat', async () => {
    const first = await reference.pull({
      betweenPages: async (route, page) => {
        if (route !== 'researchers' || page > 2) return;
        // The oldest rows (page 1's) change and move to the end of the updated_at order; new rows arrive.
        await node.dataSource.query(
          `UPDATE researcher SET name = name || '+' WHERE researcher_id IN (SELECT researcher_id FROM researcher ORDER BY updated_at, researcher_id LIMIT 30)`,
        );
        await addResearchers(5);
      },
    });
    const keys = first.received.get('researchers')!.map((r) => String(r.researcherId));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(251);
    // The next pull brings what changed during the first; then the reference holds exactly the source's rows.
    await reference.pull();
    for (const feed of REFERENCE_FEEDS) expect([feed.route, referenceRows(feed.route)]).toEqual([feed.route, await sourceRows(feed.route)]);
    expect(reference.files.size).toBe(1);
  });

  it('a row committed late with an older updated_at reaches the reference client on its next pull', async () => {
    const late = new Client({ connectionString: node.db.url });
    await late.connect();
    try {
      await late.query('BEGIN');
      const [row] = (await late.query(`${researcherInsert} RETURNING researcher_id::text AS id`, [localNodeUuid(node.config.node.nodeId)])).rows as { id: string }[];
      await reference.pull();
      await late.query('COMMIT');
      expect(reference.store.get('researchers')!.has(row.id)).toBe(false);
      await reference.pull();
      expect(reference.store.get('researchers')!.has(row.id)).toBe(true);
      expect(referenceRows('researchers')).toEqual(await sourceRows('researchers'));
    } finally {
      await late.end();
    }
  });

  it('sends JSON columns as JSON text and target-area modifiers as the reference importer reads them; window pages stay typed', async () => {
    const [event] = await node.dataSource.query(`SELECT id::text, characteristics FROM volunteer_clinical_events LIMIT 1`);
    const [allergy] = await node.dataSource.query(`SELECT id::text, manifestations FROM volunteer_allergy_intolerances LIMIT 1`);
    const modifiers: { code: string }[] = await node.dataSource.query(`SELECT topographical_modifier_code AS code FROM target_area_topographical_modifier ORDER BY 1`);
    expect(modifiers.length).toBeGreaterThan(0);
    const volunteer = [...reference.store.get('volunteers')!.values()][0] as { clinicalEvents: Record<string, unknown>[]; allergyIntolerances: Record<string, unknown>[] };
    const sentEvent = volunteer.clinicalEvents.find((e) => e.id === event.id)!;
    expect(typeof sentEvent.characteristics).toBe('string');
    expect(JSON.parse(sentEvent.characteristics as string)).toEqual(event.characteristics);
    const sentAllergy = volunteer.allergyIntolerances.find((a) => a.id === allergy.id)!;
    expect(JSON.parse(sentAllergy.manifestations as string)).toEqual(allergy.manifestations);
    const session = [...reference.store.get('sessions')!.values()][0] as { targetArea: { topographicalModifierCodes: string[]; topographicalModifiers: unknown[] } };
    expect(session.targetArea.topographicalModifierCodes).toEqual(modifiers.map((m) => m.code));
    expect(session.targetArea.topographicalModifiers).toHaveLength(modifiers.length);

    const manifest = await reference.call<{ window: { token: string } }>('POST', '/api/sync/manifest', {}, { 'X-Sync-Protocol': '2' });
    const rows: Record<string, unknown>[] = [];
    let after: string | null = null;
    do {
      const query: string = new URLSearchParams({ window: manifest.window.token, pageSize: '1000', ...(after ? { after } : {}) }).toString();
      const page: { table: string | null; data: Record<string, unknown>[]; next: string | null } = await reference.call('GET', `/api/sync/volunteers?${query}`);
      if (page.table === 'volunteer_clinical_events') rows.push(...page.data);
      after = page.next;
    } while (after);
    expect(rows.find((r) => r.id === event.id)!.characteristics).toEqual(event.characteristics);
  });

  it('an unknown since falls back to updated_at > since', async () => {
    const other = new ReferenceClient(node.url, referenceIdentity('reference-other'));
    const registration = await other.register(1);
    await node.app.get(NodeRegistryService).update(String(registration.registrationId), { status: AuthorizationStatus.Authorized, nodeAccessLevel: NodeAccessLevelName.ReadWrite });
    other.watermark = '2000-01-01T00:00:00.0000000Z';
    const result = await other.pull();
    expect(result.received.get('researchers')!.length).toBe((await sourceRows('researchers')).size);
    other.watermark = '2999-01-01T00:00:00.0000000Z';
    expect((await other.pull()).received.get('researchers')!.length).toBe(0);
  });
});
