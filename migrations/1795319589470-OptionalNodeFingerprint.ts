import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A node connection may be added without a certificate (reference NewConnection, iris-desktop-api
 * §3.8): its fingerprint is then NULL (the unique index still holds for the rest), never "", so
 * two certificate-less connections do not collide as they do on the reference (D19).
 */
export class OptionalNodeFingerprint1795319589470 implements MigrationInterface {
  name = 'OptionalNodeFingerprint1795319589470';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "research_nodes" ALTER COLUMN "certificate_fingerprint" DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "research_nodes" WHERE "certificate_fingerprint" IS NULL`);
    await queryRunner.query(`ALTER TABLE "research_nodes" ALTER COLUMN "certificate_fingerprint" SET NOT NULL`);
  }
}
