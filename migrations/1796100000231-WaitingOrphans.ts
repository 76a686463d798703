import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rows of a peer a pull refused because this node had deleted their parent (`missing_parent`)
 * wait in sync_conflicts until the parent is here again; every pull from that peer looks for them
 * (ImportEngine.applyWaitingOrphans), by this index.
 */
export class WaitingOrphans1796100000231 implements MigrationInterface {
  name = 'WaitingOrphans1796100000231';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_sync_conflicts_waiting" ON "sync_conflicts" ("remote_node_id", "table_name")
            WHERE rule = 'missing_parent'
                AND restored_at IS NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_sync_conflicts_waiting"
        `);
  }
}
