import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Offline bundles: the exporter's acknowledged position per peer (generated from BundlePosition),
 * and two more sync_logs kinds (bundle_import, bundle_export; the check constraint by hand).
 */
export class BundleTransfers1796100000187 implements MigrationInterface {
    name = 'BundleTransfers1796100000187'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "bundle_positions" (
                "peer_node_id" uuid NOT NULL,
                "cursor" text NOT NULL,
                "source" character varying(20) NOT NULL,
                "acknowledged_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_68fa7a8eb363eb7179bf1feb36d" PRIMARY KEY ("peer_node_id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "bundle_positions"
            ADD CONSTRAINT "FK_68fa7a8eb363eb7179bf1feb36d" FOREIGN KEY ("peer_node_id") REFERENCES "research_nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" DROP CONSTRAINT "ck_sync_logs_kind"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" ADD CONSTRAINT "ck_sync_logs_kind" CHECK ("kind" IN ('pull', 'preview', 'bundle_import', 'bundle_export'))
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DELETE FROM "sync_logs" WHERE "kind" IN ('bundle_import', 'bundle_export')
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" DROP CONSTRAINT "ck_sync_logs_kind"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" ADD CONSTRAINT "ck_sync_logs_kind" CHECK ("kind" IN ('pull', 'preview'))
        `);
        await queryRunner.query(`
            ALTER TABLE "bundle_positions" DROP CONSTRAINT "FK_68fa7a8eb363eb7179bf1feb36d"
        `);
        await queryRunner.query(`
            DROP TABLE "bundle_positions"
        `);
    }

}
