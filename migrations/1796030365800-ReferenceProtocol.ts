import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reference-protocol sync in both directions (issue #16):
 * - reference_watermarks: each `generatedAt` this node's reference manifest handed out, with the
 *   change-feed position (snapshot xmin) it stood for, so a `since` equal to it reads the change
 *   feed (late commits included) instead of `updated_at > since`;
 * - sync_logs.negotiated_protocol: which protocol the peer spoke at each pull ("2" or "reference").
 */
export class ReferenceProtocol1796030365800 implements MigrationInterface {
  name = 'ReferenceProtocol1796030365800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "reference_watermarks" ("generated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "from_xid" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), CONSTRAINT "PK_reference_watermarks" PRIMARY KEY ("generated_at"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_reference_watermarks_created_at" ON "reference_watermarks" ("created_at")`);
    await queryRunner.query(`ALTER TABLE "sync_logs" ADD "negotiated_protocol" character varying(20)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_logs" DROP COLUMN "negotiated_protocol"`);
    await queryRunner.query(`DROP TABLE "reference_watermarks"`);
  }
}
