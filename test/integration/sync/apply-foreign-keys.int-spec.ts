import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { introduce, NodePair, pullFrom, pullOk, startPair, verify } from '../../support/two-nodes';
import { startTestNode, TestNode } from '../../support/test-node';
import { loginAsAdmin } from '../../support/users';

/**
 * The apply's foreign key checks (docs/architecture.md §7 "Foreign keys"): set-based before the
 * commit where the role may set session_replication_role (the tests run as superuser: node A), per
 * row at COMMIT otherwise (forced on node C with SYNC_APPLY_FK_CHECK=deferred). Either way a row
 * whose parent is missing fails the pull and leaves the requester exactly as it was.
 */
describe('apply foreign key checks', () => {
  let pair: NodePair;
  let c: TestNode;
  let adminC: string;
  let peerOnC: string;

  const pullA = () => pullFrom(pair.a, pair.adminA, pair.peerOnA);
  const pullC = () => pullFrom(c, adminC, peerOnC);
  /** Everything a pull could have changed on a requester: its rows, conflicts, tombstones and cursor. */
  const state = async (node: TestNode, token: string) => ({
    digest: (await verify(node, token)).digest,
    conflicts: await node.dataSource.query(`SELECT count(*)::int AS n FROM sync_conflicts`),
    tombstones: await node.dataSource.query(`SELECT table_name, row_key FROM tombstones ORDER BY 1, 2::text`),
    completed: await node.dataSource.query(`SELECT count(*)::int AS n FROM sync_logs WHERE status = 'completed'`),
  });

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    c = await startTestNode({ NODE_ID: 'node-c', NODE_NAME: 'Node C', SYNC_APPLY_FK_CHECK: 'deferred', ...BULK_HTTP_ENV });
    adminC = await loginAsAdmin(c);
    peerOnC = (await introduce(c, adminC, pair.b, pair.adminB)).connectionId;
    await laterality(pair.b, 'before');
    await pullOk(pullA());
    await pullOk(pullC());
  });
  afterAll(async () => {
    await pair?.close();
    await c?.close();
  });

  it('a row whose parent is missing fails the pull on both paths and changes nothing', async () => {
    await laterality(pair.b, 'with-orphan');
    // The source's own FK check is bypassed to make a window with an orphan (a broken peer).
    await pair.b.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(
        `INSERT INTO snomed_body_region (snomed_code, display_name, parent_region_code, description, change_xid, origin_node_id)
         VALUES ('orphan', 'Orphan', 'no-such-region', 'd', pg_current_xact_id()::text::bigint, 'node-b')`,
      );
    });
    const [beforeA, beforeC] = [await state(pair.a, pair.adminA), await state(c, adminC)];

    const setBased = await pullA();
    expect(setBased.status).toBe(502);
    expect(setBased.body.error).toBe('ERR_APPLY_FAILED');
    expect(setBased.body.message).toContain('(23503)');
    expect(setBased.body.message).toContain('violates a foreign key to "snomed_body_region"'); // the set-based check's words
    expect(setBased.body.message).toContain('no-such-region');

    const deferred = await pullC();
    expect(deferred.status).toBe(502);
    expect(deferred.body.error).toBe('ERR_APPLY_FAILED');
    expect(deferred.body.message).toContain('(23503)');
    expect(deferred.body.message).toContain('violates foreign key constraint'); // PostgreSQL's own, at COMMIT

    expect(await state(pair.a, pair.adminA)).toEqual(beforeA);
    expect(await state(c, adminC)).toEqual(beforeC);
    expect(await lateralityRow(pair.a, 'with-orphan')).toBeUndefined();
    // No session setting outlives the rolled-back apply.
    expect(await pair.a.dataSource.query(`SHOW session_replication_role`)).toEqual([{ session_replication_role: 'origin' }]);
  });

  it('once the parent exists both paths apply the same rows, stamped as local writes of the apply', async () => {
    await pair.b.dataSource.query(
      `INSERT INTO snomed_body_region (snomed_code, display_name, description) VALUES ('no-such-region', 'Found', 'd')`,
    );
    const [a, cBody] = [await pullOk(pullA()), await pullOk(pullC())];
    expect(a.summary.totals.inserted).toBe(cBody.summary.totals.inserted);
    const [onA, onB, onC] = [await verify(pair.a, pair.adminA), await verify(pair.b, pair.adminB), await verify(c, adminC)];
    expect(onA.digest).toBe(onB.digest);
    expect(onC.digest).toBe(onB.digest);
    // Written in replica mode, the rows still carry the apply's change stamp (what prism_stamp_row() writes).
    const stamps = await pair.a.dataSource.query(
      `SELECT DISTINCT r.change_xid = l.local_apply_xid AS stamped FROM snomed_body_region r
       CROSS JOIN (SELECT local_apply_xid FROM sync_logs WHERE status = 'completed' ORDER BY completed_at DESC LIMIT 1) l
       WHERE r.snomed_code IN ('orphan', 'no-such-region')`,
    );
    expect(stamps).toEqual([{ stamped: true }]);
    expect(await lateralityRow(pair.a, 'with-orphan')).toEqual(await lateralityRow(pair.b, 'with-orphan'));
  });

  it('every trigger of a synced table is one the replica-mode apply accounts for', async () => {
    // In replica mode (set-based FK check) no ordinary trigger fires on the apply's inserts and
    // updates: the upsert writes what prism_stamp_row() writes in sync-apply mode, and the
    // natural-key triggers do nothing in that mode. A new trigger must be handled there first.
    const catalog = pair.a.app.get(SyncCatalog);
    const known = new Set(['prism_stamp_row', 'prism_tombstone', ...catalog.tables().flatMap((t) => (t.naturalKeys ?? []).map((k) => k.name))]);
    const triggers: { tgname: string }[] = await pair.a.dataSource.query(
      `SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY($1)`,
      [catalog.tables().map((t) => t.table)],
    );
    expect(triggers.map((t) => t.tgname).filter((name) => !known.has(name))).toEqual([]);
    expect(triggers.length).toBeGreaterThanOrEqual(2);
  });
});
