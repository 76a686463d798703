import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who restored an archived losing version, and when (POST /api/sync/conflicts/{id}/restore). */
export class ConflictRestore1795319589480 implements MigrationInterface {
  name = 'ConflictRestore1795319589480';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_conflicts" ADD "restored_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "sync_conflicts" ADD "restored_by" character varying(200)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_conflicts" DROP COLUMN "restored_by"`);
    await queryRunner.query(`ALTER TABLE "sync_conflicts" DROP COLUMN "restored_at"`);
  }
}
