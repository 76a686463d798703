import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a peer's next pull starts (SyncLogs.lastCompletedPull: its last completed pull or bundle
 * import): one index probe, instead of sorting every pull of the peer — a row per scheduled pull,
 * a no-op's too.
 */
export class SyncLogLastPullIndex1796100000217 implements MigrationInterface {
  name = 'SyncLogLastPullIndex1796100000217';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_sync_logs_last_pull" ON "sync_logs" ("remote_node_id", "completed_at")
            WHERE status = 'completed'
                AND kind IN ('pull', 'bundle_import')
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_sync_logs_last_pull"
        `);
  }
}
