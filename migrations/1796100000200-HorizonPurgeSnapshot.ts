import { MigrationInterface, QueryRunner } from "typeorm";

/** The tombstone horizon keeps the snapshot of its latest purge (see SyncHorizon.purgeSnapshot). */
export class HorizonPurgeSnapshot1796100000200 implements MigrationInterface {
    name = 'HorizonPurgeSnapshot1796100000200'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "sync_horizon" ADD "purge_snapshot" text
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "sync_horizon" DROP COLUMN "purge_snapshot"
        `);
    }
}
