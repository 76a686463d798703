import { MigrationInterface, QueryRunner } from "typeorm";

export class SyncLogResume1796100000193 implements MigrationInterface {
    name = 'SyncLogResume1796100000193'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "sync_logs"
            ADD "resumed" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs"
            ADD "announced" jsonb
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "sync_logs" DROP COLUMN "announced"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" DROP COLUMN "resumed"
        `);
    }

}
