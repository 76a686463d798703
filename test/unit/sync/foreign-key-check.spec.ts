import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { foreignKeyViolationsSql, mayWriteInReplicaMode, REPLICA_ALLOWED_SQL, REPLICA_GRANTED_SQL } from '../../../src/sync/import/foreign-key-check-sql';
import { metadataCatalog } from '../../support/metadata-catalog';

/**
 * The set-based foreign key check of the apply: when it may be used (the role may set
 * session_replication_role), and the statement it runs. Both paths run against PostgreSQL in
 * test/integration/sync/apply-foreign-keys.int-spec.ts; here the decision for roles the
 * integration tests (superuser) cannot be.
 */
describe('set-based foreign key check', () => {
  /** A runner answering the two detection statements as a role with these rights would. */
  const runner = (role: { superuser: boolean; grants: boolean; parents?: number }, granted?: boolean) => {
    const asked: string[] = [];
    const query = async (sql: string) => {
      asked.push(sql);
      if (sql === REPLICA_ALLOWED_SQL) return [{ parents: 2, ...role }];
      if (sql === REPLICA_GRANTED_SQL) return [{ granted }];
      throw new Error(`unexpected statement ${sql}`);
    };
    return { query, asked };
  };

  it('a superuser writes in replica mode', async () => {
    const r = runner({ superuser: true, grants: true });
    expect(await mayWriteInReplicaMode(r.query, 'log', 'peer')).toBe(true);
    expect(r.asked).toEqual([REPLICA_ALLOWED_SQL]);
  });

  it('a role with GRANT SET ON PARAMETER session_replication_role (PG 15+) writes in replica mode', async () => {
    expect(await mayWriteInReplicaMode(runner({ superuser: false, grants: true }, true).query, 'log', 'peer')).toBe(true);
  });

  it('a role without the grant keeps the deferred per-row checks', async () => {
    expect(await mayWriteInReplicaMode(runner({ superuser: false, grants: true }, false).query, 'log', 'peer')).toBe(false);
  });

  it('before PG 15 (no parameter grants) only a superuser may: the grant is not asked', async () => {
    const r = runner({ superuser: false, grants: false });
    expect(await mayWriteInReplicaMode(r.query, 'log', 'peer')).toBe(false);
    expect(r.asked).toEqual([REPLICA_ALLOWED_SQL]);
  });

  it('without the sync log or the peer row (never in a pull) the deferred checks say what is missing', async () => {
    expect(await mayWriteInReplicaMode(runner({ superuser: true, grants: true, parents: 1 }).query, 'log', 'peer')).toBe(false);
  });

  it("begin's settings ride in the check's statement: one round trip, their parameters first", async () => {
    const asked: { sql: string; params?: unknown[] }[] = [];
    const query = async (sql: string, params?: unknown[]) => {
      asked.push({ sql, params });
      return [{ superuser: true, grants: true, parents: 2 }];
    };
    const settings = { sql: `SELECT set_config('a', $1, true), set_config('b', $2, true)`, params: ['7', 'origin'] };
    expect(await mayWriteInReplicaMode(query, 'log', 'peer', settings)).toBe(true);
    expect(asked).toHaveLength(1);
    expect(asked[0].params).toEqual(['7', 'origin', 'log', 'peer']);
    expect(asked[0].sql.startsWith(`${settings.sql}, current_setting('is_superuser')`)).toBe(true);
    expect(asked[0].sql).toContain('WHERE id = $3::uuid FOR KEY SHARE');
    expect(asked[0].sql).toContain('WHERE id = $4::uuid FOR KEY SHARE');
    expect(asked[0].sql).not.toMatch(/\$[12]::uuid/);
  });

  describe('the check statement', () => {
    let catalog: SyncCatalog;
    beforeAll(async () => {
      catalog = await metadataCatalog();
    });
    const synced = (table: string) => catalog.hasTable(table);

    it('one anti-join per foreign key over the rows this transaction wrote, MATCH SIMPLE', () => {
      const channel = catalog.table('record_channel');
      const sql = foreignKeyViolationsSql([channel], synced)!;
      expect(sql.split('UNION ALL')).toHaveLength(channel.foreignKeys.length);
      expect(sql).toContain('c.change_xid = pg_current_xact_id()::text::bigint');
      expect(sql).toContain('c."record_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "record" p WHERE p."id" = c."record_id")');
      expect(sql).not.toContain('FOR KEY SHARE'); // synced parents are held by the apply's table lock
    });

    it('a parent outside the synced tables is locked FOR KEY SHARE, as the RI check locks it', () => {
      const sql = foreignKeyViolationsSql([catalog.table('volunteer')], synced)!;
      expect(sql).toMatch(/FROM "research_nodes" p WHERE p\."id" = d\.v0 FOR KEY SHARE/);
    });

    it('nothing to check without written tables', () => {
      expect(foreignKeyViolationsSql([], synced)).toBeNull();
    });
  });
});
