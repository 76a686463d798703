import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { q, wireColumns } from '../../../src/core/sync-kernel/sql';
import { applyRowsSql, typedTableSql } from '../../../src/sync/import/import-sql';
import { laterality, withForcedTimestamps } from '../../support/sync-sql';
import { NodePair, pullOk, pullFrom, startPair } from '../../support/two-nodes';

/**
 * A small pull's conflict check looks each incoming row's local row up by key (applyRowsSql
 * `probe`) instead of joining all of them with a scan of the table: the same statement either way
 * must leave the same database — the same counts, the same archived conflicts (rules, winners,
 * both versions), the same rows.
 */
describe('the conflict check by key lookups (small pulls) and by a join give the same outcome', () => {
  let pair: NodePair;

  beforeAll(async () => {
    pair = await startPair();
    for (const code of ['P1', 'P2', 'P3', 'P4']) await laterality(pair.b, code, `name ${code}`);
    await pullOk(pullFrom(pair.a, pair.adminA, pair.peerOnA));
  });
  afterAll(() => pair?.close());

  it('changed here since the last pull, stamped beyond the clock here, unchanged, new: each form archives and applies alike', async () => {
    const db = pair.a.dataSource;
    // Since the last pull: P1 edited here (a conflict), P2 stamped an hour ahead of the clock here (future_timestamp).
    await db.query(`UPDATE snomed_laterality SET display_name = 'edited at A' WHERE code = 'P1'`);
    await withForcedTimestamps(pair.a, [[`UPDATE snomed_laterality SET updated_at = now() + interval '1 hour' WHERE code = 'P2'`]]);
    const [log]: { id: string; xid: string }[] = await db.query(
      `SELECT id, local_apply_xid::text AS xid FROM sync_logs WHERE remote_node_id = $1 AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`,
      [pair.peerOnA],
    );
    const model = pair.a.app.get(SyncCatalog).table('snomed_laterality');
    const wire = wireColumns(model);
    const [{ local }]: { local: string }[] = await db.query(`SELECT id::text AS local FROM research_nodes WHERE is_local`);

    // The incoming stamps, the same for both runs.
    const stamp = new Date(Date.now() - 1000).toISOString();
    const outcome = async (probe: boolean) => {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await runner.query(`SET LOCAL prism.sync_apply = 'on'`);
        await runner.query(typedTableSql(model, '_r_probe'));
        // The incoming rows: the peer's newer P1 and P2, P3 as it is here, a new P5.
        await runner.query(
          `INSERT INTO _r_probe (${wire.map((c) => q(c.property)).join(', ')}) SELECT ${wire.map((c) => `t.${q(c.column)}`).join(', ')} FROM snomed_laterality t WHERE code IN ('P1', 'P2', 'P3')`,
        );
        await runner.query(`UPDATE _r_probe SET "displayName" = 'from B ' || code, "updatedAt" = $1 WHERE code IN ('P1', 'P2')`, [stamp]);
        await runner.query(`UPDATE _r_probe SET "updatedAt" = "updatedAt" - interval '1 day' WHERE code = 'P1'`);
        await runner.query(`INSERT INTO _r_probe (${wire.map((c) => q(c.property)).join(', ')}) SELECT ${wire.map((c) => (c.column === 'code' ? `'P5'` : `r.${q(c.property)}`)).join(', ')} FROM _r_probe r WHERE code = 'P3'`);
        const [counts] = await runner.query(applyRowsSql(model, '_r_probe', { parents: [], localTombstones: false, emptyTarget: false, probe }), [
          log.id,
          pair.peerOnA,
          log.xid,
          local,
          'node-b',
          [],
          [],
        ]);
        const conflicts = await runner.query(
          `SELECT row_key, winner, rule, local_version, remote_version FROM sync_conflicts WHERE sync_log_id = $1 AND created_at >= now() ORDER BY row_key::text`,
          [log.id],
        );
        const rows = await runner.query(`SELECT code, display_name, updated_at FROM snomed_laterality ORDER BY code`);
        return { counts, conflicts, rows };
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };

    const joined = await outcome(false);
    const probed = await outcome(true);
    expect(probed).toEqual(joined);
    // The case is not empty: both rules met, the new row inserted, the newer row applied.
    expect(joined.conflicts.map((c: { rule: string }) => c.rule).sort()).toEqual(['future_timestamp', 'newer_updated_at']);
    expect(joined.counts).toMatchObject({ received: 4, inserted: 1 });
  });
});
