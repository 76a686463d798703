import { MigrationInterface, QueryRunner } from "typeorm";

/** The tombstone horizon: one row with the newest purged tombstone (generated from SyncHorizon). */
export class TombstoneHorizon1796100000150 implements MigrationInterface {
    name = 'TombstoneHorizon1796100000150'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "sync_horizon" (
                "id" smallint NOT NULL,
                "purged_xid" bigint NOT NULL,
                "purged_before" TIMESTAMP WITH TIME ZONE NOT NULL,
                "purged_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "ck_sync_horizon_single_row" CHECK ("id" = 1),
                CONSTRAINT "PK_7ce1227edcc142be8447b7f3b89" PRIMARY KEY ("id")
            )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TABLE "sync_horizon"
        `);
    }

}
