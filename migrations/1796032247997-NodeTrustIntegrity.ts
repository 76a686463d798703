import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registry integrity and peer identity (issue 12):
 * - `requested_change` / `requested_change_at`: what a known certificate asked for over the
 *   protocol (other details or a higher level); only an Admin applies it, the row never changes.
 * - `protocol`: 'prism-node' (default: the peer must sign the channel transcript) or 'reference'
 *   (an operator accepted a peer without the extension).
 * - `transcript_signed_at`: when the peer first showed the transcript-signature extension; from
 *   then on it must always show it (no downgrade).
 */
export class NodeTrustIntegrity1796032247997 implements MigrationInterface {
  name = 'NodeTrustIntegrity1796032247997';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "research_nodes" ADD "requested_change" jsonb`);
    await queryRunner.query(`ALTER TABLE "research_nodes" ADD "requested_change_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "research_nodes" ADD "protocol" character varying(20) NOT NULL DEFAULT 'prism-node'`);
    await queryRunner.query(`ALTER TABLE "research_nodes" ADD "transcript_signed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "research_nodes" ADD CONSTRAINT "ck_research_nodes_protocol" CHECK ("protocol" IN ('prism-node', 'reference'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "research_nodes" DROP CONSTRAINT "ck_research_nodes_protocol"`);
    await queryRunner.query(`ALTER TABLE "research_nodes" DROP COLUMN "transcript_signed_at"`);
    await queryRunner.query(`ALTER TABLE "research_nodes" DROP COLUMN "protocol"`);
    await queryRunner.query(`ALTER TABLE "research_nodes" DROP COLUMN "requested_change_at"`);
    await queryRunner.query(`ALTER TABLE "research_nodes" DROP COLUMN "requested_change"`);
  }
}
