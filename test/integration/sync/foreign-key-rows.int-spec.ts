import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { q, wireColumns } from '../../../src/core/sync-kernel/sql';
import { applyRowsSql, typedTableSql } from '../../../src/sync/import/import-sql';
import { NodePair, pullFrom, pullOk, startPair, verify } from '../../support/two-nodes';

/**
 * The set-based foreign key check before the commit sees only the written rows that can have lost
 * a parent (keysToCheckSql): inserts, rows this transaction wrote before, updates that change a
 * key. An update that keeps its keys is not checked, as PostgreSQL's RI trigger skips it — and a
 * pull whose update points a row at a missing parent still fails and changes nothing.
 */
describe('foreign keys checked for the rows that may have lost a parent', () => {
  let pair: NodePair;
  const pullA = () => pullFrom(pair.a, pair.adminA, pair.peerOnA);
  const region = (code: string, parent: string | null) =>
    pair.b.dataSource.query(`INSERT INTO snomed_body_region (snomed_code, display_name, parent_region_code, description) VALUES ($1, $1, $2, 'd')`, [code, parent]);

  beforeAll(async () => {
    pair = await startPair();
    await region('R1', null);
    await region('R2', null);
    for (const code of ['K1', 'K2', 'K4']) await region(code, 'R1');
    await pullOk(pullA());
  });
  afterAll(() => pair?.close());

  it('applyRowsSql counts inserts, rows written before in the transaction and changed keys, not updates that keep their keys', async () => {
    const db = pair.a.dataSource;
    const model = pair.a.app.get(SyncCatalog).table('snomed_body_region');
    const wire = wireColumns(model);
    const [log]: { id: string; xid: string }[] = await db.query(
      `SELECT id, local_apply_xid::text AS xid FROM sync_logs WHERE remote_node_id = $1 AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`,
      [pair.peerOnA],
    );
    const [{ local }]: { local: string }[] = await db.query(`SELECT id::text AS local FROM research_nodes WHERE is_local`);
    const checked = async (probe: boolean) => {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await runner.query(`SET LOCAL prism.sync_apply = 'on'`);
        // K4 written by this transaction before the statement (the apply's trigger stamps it so).
        await runner.query(`UPDATE snomed_body_region SET description = 'earlier' WHERE snomed_code = 'K4'`);
        await runner.query(typedTableSql(model, '_r_keys'));
        const columns = wire.map((c) => q(c.property)).join(', ');
        await runner.query(`INSERT INTO _r_keys (${columns}) SELECT ${wire.map((c) => `t.${q(c.column)}`).join(', ')} FROM snomed_body_region t WHERE snomed_code IN ('K1', 'K2', 'K4')`);
        // All newer: K1 keeps its parent, K2 moves to R2, K3 is new.
        await runner.query(`UPDATE _r_keys SET "displayName" = 'newer', "updatedAt" = clock_timestamp()`);
        await runner.query(`UPDATE _r_keys SET "parentRegionCode" = 'R2' WHERE "snomedCode" = 'K2'`);
        await runner.query(`INSERT INTO _r_keys (${columns}) SELECT ${wire.map((c) => (c.column === 'snomed_code' ? `'K3'` : `r.${q(c.property)}`)).join(', ')} FROM _r_keys r WHERE "snomedCode" = 'K1'`);
        const [counts] = await runner.query(applyRowsSql(model, '_r_keys', { parents: [], localTombstones: false, emptyTarget: false, probe }), [log.id, pair.peerOnA, log.xid, local, 'node-b', [], []]);
        return { checked: counts.checked, written: counts.inserted + counts.updated };
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };
    // K2 (key changed), K3 (new), K4 (written before): not K1.
    expect(await checked(true)).toEqual({ checked: 3, written: 4 });
    // Many rows (no lookups by key): every written row is checked, as before.
    expect(await checked(false)).toEqual({ checked: 4, written: 4 });
  });

  it('an update that points a row at a missing parent fails the pull and changes nothing; one that keeps its keys applies', async () => {
    // The source's own FK check is bypassed to make a window with a row whose parent is missing (a broken peer).
    await pair.b.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(`UPDATE snomed_body_region SET parent_region_code = 'no-such-region', updated_at = clock_timestamp(), change_xid = pg_current_xact_id()::text::bigint WHERE snomed_code = 'K2'`);
    });
    await pair.b.dataSource.query(`UPDATE snomed_body_region SET display_name = 'kept its parent' WHERE snomed_code = 'K1'`);
    const before = (await verify(pair.a, pair.adminA)).digest;
    const failed = await pullA();
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('ERR_APPLY_FAILED');
    expect(failed.body.message).toContain('violates a foreign key to "snomed_body_region"');
    expect(failed.body.message).toContain('no-such-region');
    expect((await verify(pair.a, pair.adminA)).digest).toBe(before);

    await pair.b.dataSource.query(`UPDATE snomed_body_region SET parent_region_code = 'R2' WHERE snomed_code = 'K2'`);
    await pullOk(pullA());
    expect((await verify(pair.a, pair.adminA)).digest).toBe((await verify(pair.b, pair.adminB)).digest);
    const rows = await pair.a.dataSource.query(`SELECT snomed_code, display_name, parent_region_code FROM snomed_body_region WHERE snomed_code IN ('K1', 'K2') ORDER BY 1`);
    expect(rows).toEqual([
      { snomed_code: 'K1', display_name: 'kept its parent', parent_region_code: 'R1' },
      { snomed_code: 'K2', display_name: 'K2', parent_region_code: 'R2' },
    ]);
  });
});
