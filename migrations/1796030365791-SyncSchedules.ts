import { MigrationInterface, QueryRunner } from "typeorm";

/** Per-connection sync schedules and the scheduler's backoff/pause state (generated from SyncSchedule). */
export class SyncSchedules1796030365791 implements MigrationInterface {
    name = 'SyncSchedules1796030365791'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "sync_schedules" (
                "remote_node_id" uuid NOT NULL,
                "interval_seconds" integer,
                "next_run_at" TIMESTAMP WITH TIME ZONE,
                "consecutive_failures" integer NOT NULL DEFAULT '0',
                "permanent_failures" integer NOT NULL DEFAULT '0',
                "paused_reason" text,
                "accept_push_requests" boolean NOT NULL DEFAULT false,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_985e8d159dde80e54b11ec53819" PRIMARY KEY ("remote_node_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_schedules_next_run_at" ON "sync_schedules" ("next_run_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_schedules"
            ADD CONSTRAINT "FK_985e8d159dde80e54b11ec53819" FOREIGN KEY ("remote_node_id") REFERENCES "research_nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "sync_schedules" DROP CONSTRAINT "FK_985e8d159dde80e54b11ec53819"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_schedules_next_run_at"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_schedules"
        `);
    }

}
