import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Baseline schema, generated from the entities with `npm run migration:generate` (do not edit by
 * hand; change the entities and generate a new migration). Triggers: 1795319589469-ChangeTracking.
 */
export class Baseline1795319589468 implements MigrationInterface {
    name = 'Baseline1795319589468'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "research_nodes" (
                "id" uuid NOT NULL,
                "protocol_node_id" character varying(100),
                "node_name" character varying(200) NOT NULL,
                "certificate" text NOT NULL,
                "certificate_fingerprint" character varying(100) NOT NULL,
                "node_url" character varying(500) NOT NULL DEFAULT '',
                "status" character varying(50) NOT NULL DEFAULT 'Pending',
                "node_access_level" character varying(50) NOT NULL DEFAULT 'ReadOnly',
                "contact_info" character varying(500) NOT NULL DEFAULT '',
                "institution_details" character varying(1000) NOT NULL DEFAULT '',
                "registered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "last_authenticated_at" TIMESTAMP WITH TIME ZONE,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "is_local" boolean NOT NULL DEFAULT false,
                CONSTRAINT "PK_fa1c8e377d8b64af850b2e5d0d0" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_research_nodes_certificate_fingerprint" ON "research_nodes" ("certificate_fingerprint")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_nodes_last_authenticated_at" ON "research_nodes" ("last_authenticated_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_nodes_registered_at" ON "research_nodes" ("registered_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_nodes_access_level" ON "research_nodes" ("node_access_level")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_nodes_status" ON "research_nodes" ("status")
        `);
        await queryRunner.query(`
            CREATE TABLE "device" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "device_id" uuid NOT NULL,
                "device_name" character varying(200) NOT NULL,
                "manufacturer" character varying(200) NOT NULL,
                "model" character varying(200) NOT NULL,
                "additional_info" text NOT NULL,
                CONSTRAINT "PK_17d554d4f6b44ff0e200ee4b920" PRIMARY KEY ("device_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_device_change" ON "device" ("change_xid", "device_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "sensor" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "sensor_id" uuid NOT NULL,
                "device_id" uuid NOT NULL,
                "sensor_name" character varying(200) NOT NULL,
                "max_sampling_rate" real NOT NULL,
                "unit" character varying(50) NOT NULL,
                "min_range" real NOT NULL,
                "max_range" real NOT NULL,
                "accuracy" real NOT NULL,
                "additional_info" text NOT NULL,
                CONSTRAINT "PK_eeaf285985215c56a1abf35a670" PRIMARY KEY ("sensor_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sensor_change" ON "sensor" ("change_xid", "sensor_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "research" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "research_node_id" uuid NOT NULL,
                "title" character varying(500) NOT NULL,
                "description" text NOT NULL,
                "start_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "end_date" TIMESTAMP WITH TIME ZONE,
                "status" character varying(50) NOT NULL,
                CONSTRAINT "PK_be0614c6e72bbe071af7b1b3586" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_change" ON "research" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "volunteer" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "research_node_id" uuid NOT NULL,
                "volunteer_code" character varying(100) NOT NULL,
                "name" character varying(200) NOT NULL,
                "email" character varying(200) NOT NULL,
                "birth_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "gender" character varying(50) NOT NULL,
                "blood_type" character varying(10) NOT NULL,
                "height" real,
                "weight" real,
                "consent_status" character varying(50) NOT NULL,
                "enrolled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "uq_volunteer_origin_code" UNIQUE ("origin_node_id", "volunteer_code") DEFERRABLE INITIALLY IMMEDIATE,
                CONSTRAINT "uq_volunteer_origin_email" UNIQUE ("origin_node_id", "email") DEFERRABLE INITIALLY IMMEDIATE,
                CONSTRAINT "PK_d46e56bc0e83cbefeb11d457277" PRIMARY KEY ("volunteer_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_volunteer_change" ON "volunteer" ("change_xid", "volunteer_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "record_session" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "research_id" uuid,
                "volunteer_id" uuid NOT NULL,
                "start_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                "target_area_id" uuid,
                CONSTRAINT "PK_cf3098008c24749c4284abf7082" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_record_session_change" ON "record_session" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "record" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "record_session_id" uuid NOT NULL,
                "collection_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "session_id" character varying(200) NOT NULL,
                "record_type" character varying(100) NOT NULL,
                CONSTRAINT "PK_5cb1f4d1aff275cf9001f4343b9" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_record_change" ON "record" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "record_channel" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "record_id" uuid NOT NULL,
                "sensor_id" uuid,
                "signal_type" character varying(100) NOT NULL,
                "file_url" character varying(1000) NOT NULL DEFAULT '',
                "sampling_rate" real NOT NULL,
                "samples_count" integer NOT NULL,
                "start_timestamp" TIMESTAMP WITH TIME ZONE NOT NULL,
                "file_sha256" character(64),
                "file_size_bytes" bigint,
                "file_content_type" character varying(100),
                CONSTRAINT "PK_c807d61c3610561073adacdab07" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_record_channel_change" ON "record_channel" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "application" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "application_id" uuid NOT NULL,
                "research_id" uuid NOT NULL,
                "app_name" character varying(200) NOT NULL,
                "url" character varying(500) NOT NULL,
                "description" text NOT NULL,
                "additional_info" text NOT NULL,
                CONSTRAINT "PK_086e16ea19242fc5a8a1e9ed42d" PRIMARY KEY ("application_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_application_change" ON "application" ("change_xid", "application_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "research_device" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "research_id" uuid NOT NULL,
                "device_id" uuid NOT NULL,
                "role" character varying(200) NOT NULL,
                "added_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "removed_at" TIMESTAMP WITH TIME ZONE,
                "calibration_status" character varying(100) NOT NULL,
                "last_calibration_date" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_b2818550c9227349bb22ee12063" PRIMARY KEY ("research_id", "device_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_device_change" ON "research_device" ("change_xid", "research_id", "device_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "researcher" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "researcher_id" uuid NOT NULL,
                "research_node_id" uuid NOT NULL,
                "name" character varying(200) NOT NULL,
                "email" character varying(200) NOT NULL,
                "institution" character varying(300) NOT NULL,
                "role" character varying(100) NOT NULL,
                "orcid" character varying(16) NOT NULL,
                CONSTRAINT "uq_researcher_origin_email" UNIQUE ("origin_node_id", "email") DEFERRABLE INITIALLY IMMEDIATE,
                CONSTRAINT "PK_676ec2e013aaea1c7ae739789ce" PRIMARY KEY ("researcher_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_researcher_change" ON "researcher" ("change_xid", "researcher_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "research_researcher" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "research_id" uuid NOT NULL,
                "researcher_id" uuid NOT NULL,
                "is_principal" boolean NOT NULL DEFAULT false,
                "assigned_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "removed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_31c591c2e985a36bd15242d936e" PRIMARY KEY ("research_id", "researcher_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_researcher_change" ON "research_researcher" ("change_xid", "research_id", "researcher_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "research_volunteer" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "research_id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "enrollment_status" character varying(50) NOT NULL,
                "consent_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "consent_version" character varying(50) NOT NULL,
                "exclusion_reason" text,
                "enrolled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "withdrawn_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_b398deaaf048d47cb3d657894df" PRIMARY KEY ("research_id", "volunteer_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_research_volunteer_change" ON "research_volunteer" ("change_xid", "research_id", "volunteer_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "session_annotation" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "record_session_id" uuid NOT NULL,
                "text" character varying(5000) NOT NULL,
                CONSTRAINT "PK_38db9f8f0e575d51fc26779f3e3" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_session_annotation_change" ON "session_annotation" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "snomed_topographical_modifier" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "category" character varying(100) NOT NULL,
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_614b2488c2281d57ec1d940a956" PRIMARY KEY ("code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_snomed_topographical_modifier_change" ON "snomed_topographical_modifier" ("change_xid", "code")
        `);
        await queryRunner.query(`
            CREATE TABLE "snomed_body_region" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "parent_region_code" character varying(50),
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_ca13f038f85980b3bc1c0fb332f" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_snomed_body_region_change" ON "snomed_body_region" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "snomed_body_structure" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "body_region_code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "structure_type" character varying(100) NOT NULL,
                "parent_structure_code" character varying(50),
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_9d059c5c0c93885f2e84700906a" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_snomed_body_structure_change" ON "snomed_body_structure" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "snomed_laterality" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_bbc7807b5614c06ae022013fd75" PRIMARY KEY ("code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_snomed_laterality_change" ON "snomed_laterality" ("change_xid", "code")
        `);
        await queryRunner.query(`
            CREATE TABLE "target_area" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "record_session_id" uuid NOT NULL,
                "body_structure_code" character varying(50) NOT NULL,
                "laterality_code" character varying(50),
                CONSTRAINT "uq_target_area_record_session" UNIQUE ("record_session_id") DEFERRABLE INITIALLY IMMEDIATE,
                CONSTRAINT "PK_58e8390847dc2416d4170ce86e0" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_target_area_change" ON "target_area" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "target_area_topographical_modifier" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "target_area_id" uuid NOT NULL,
                "topographical_modifier_code" character varying(50) NOT NULL,
                CONSTRAINT "PK_474c15b775eaad9b52059c802d1" PRIMARY KEY ("target_area_id", "topographical_modifier_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_target_area_topographical_modifier_change" ON "target_area_topographical_modifier" (
                "change_xid",
                "target_area_id",
                "topographical_modifier_code"
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "allergy_intolerances" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "category" character varying(100) NOT NULL,
                "substance_name" character varying(200) NOT NULL,
                "type" character varying(50) NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_028056ec375c1b76324cef0b28f" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_allergy_intolerances_change" ON "allergy_intolerances" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "clinical_conditions" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_e1e319cca346c6f145ec3b5320a" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_clinical_conditions_change" ON "clinical_conditions" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "clinical_events" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_5813b296c4ca6176a27bae72787" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_clinical_events_change" ON "clinical_events" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "medications" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "medication_name" character varying(200) NOT NULL,
                "active_ingredient" character varying(200) NOT NULL,
                "anvisa_code" character varying(50) NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_d98e8321bbdbcb189d52e1e6910" PRIMARY KEY ("snomed_code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_medications_change" ON "medications" ("change_xid", "snomed_code")
        `);
        await queryRunner.query(`
            CREATE TABLE "snomed_severity_codes" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "code" character varying(50) NOT NULL,
                "display_name" character varying(200) NOT NULL,
                "description" text NOT NULL,
                "is_active" boolean NOT NULL DEFAULT true,
                CONSTRAINT "PK_86852300f4dd8fcb8c45e436421" PRIMARY KEY ("code")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_snomed_severity_codes_change" ON "snomed_severity_codes" ("change_xid", "code")
        `);
        await queryRunner.query(`
            CREATE TABLE "sync_logs" (
                "id" uuid NOT NULL,
                "remote_node_id" uuid NOT NULL,
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "status" character varying(50) NOT NULL DEFAULT 'in_progress',
                "last_synced_at" TIMESTAMP WITH TIME ZONE,
                "entities_received" jsonb,
                "error_message" text,
                "kind" character varying(20) NOT NULL DEFAULT 'pull',
                "phase" character varying(50),
                "cursor_from" text,
                "cursor_to" text,
                "local_apply_xid" bigint,
                "counts" jsonb,
                "progress" jsonb,
                "error_code" character varying(100),
                "requested_by" character varying(200),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "ck_sync_logs_kind" CHECK ("kind" IN ('pull', 'preview')),
                CONSTRAINT "ck_sync_logs_status" CHECK (
                    "status" IN (
                        'in_progress',
                        'completed',
                        'failed',
                        'rolled_back',
                        'cancelled'
                    )
                ),
                CONSTRAINT "PK_f441fe15484e077c80ddec89336" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_logs_started_at" ON "sync_logs" ("started_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_logs_status" ON "sync_logs" ("status")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_logs_remote_node_id" ON "sync_logs" ("remote_node_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "sync_conflicts" (
                "id" uuid NOT NULL,
                "sync_log_id" uuid NOT NULL,
                "remote_node_id" uuid NOT NULL,
                "table_name" character varying(100) NOT NULL,
                "row_key" jsonb NOT NULL,
                "local_version" jsonb,
                "remote_version" jsonb,
                "winner" character varying(10) NOT NULL,
                "rule" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "ck_sync_conflicts_winner" CHECK ("winner" IN ('local', 'remote')),
                CONSTRAINT "PK_351e71cb6c48c898e6cb7fb5347" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_conflicts_table_name" ON "sync_conflicts" ("table_name")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_conflicts_remote_node_created" ON "sync_conflicts" ("remote_node_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_conflicts_sync_log_id" ON "sync_conflicts" ("sync_log_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "tombstones" (
                "id" BIGSERIAL NOT NULL,
                "table_name" character varying(100) NOT NULL,
                "row_key" jsonb NOT NULL,
                "deleted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                CONSTRAINT "uq_tombstones_table_key" UNIQUE ("table_name", "row_key"),
                CONSTRAINT "PK_3b99239d42d82c2102d9cdd4f5d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_tombstones_change" ON "tombstones" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL,
                "login" text NOT NULL,
                "password_hash" text NOT NULL,
                "role" text NOT NULL,
                "researcher_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_users_login" ON "users" ("login")
        `);
        await queryRunner.query(`
            CREATE TABLE "vital_signs" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "record_session_id" uuid NOT NULL,
                "systolic_bp" real,
                "diastolic_bp" real,
                "heart_rate" real,
                "respiratory_rate" real,
                "temperature" real,
                "oxygen_saturation" real,
                "weight" real,
                "height" real,
                "bmi" real,
                "measurement_datetime" TIMESTAMP WITH TIME ZONE NOT NULL,
                "measurement_context" character varying(200) NOT NULL,
                "recorded_by" uuid NOT NULL,
                CONSTRAINT "PK_83ba5a3455279f645885c327bb6" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_vital_signs_change" ON "vital_signs" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "volunteer_allergy_intolerances" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "allergy_intolerance_snomed_code" character varying(50) NOT NULL,
                "criticality" character varying(50) NOT NULL,
                "clinical_status" character varying(50) NOT NULL,
                "manifestations" jsonb NOT NULL,
                "onset_date" TIMESTAMP WITH TIME ZONE,
                "last_occurrence" TIMESTAMP WITH TIME ZONE,
                "verification_status" character varying(50) NOT NULL,
                "recorded_by" uuid NOT NULL,
                CONSTRAINT "PK_cf971e372eb7068206ab1eae33a" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_volunteer_allergy_intolerances_change" ON "volunteer_allergy_intolerances" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "volunteer_clinical_conditions" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "clinical_status" character varying(50) NOT NULL,
                "recorded_by" uuid NOT NULL,
                CONSTRAINT "PK_61a902ca8505846fa7f40bd6fb5" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_volunteer_clinical_conditions_change" ON "volunteer_clinical_conditions" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "volunteer_clinical_events" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "event_type" character varying(50) NOT NULL,
                "snomed_code" character varying(50) NOT NULL,
                "event_datetime" TIMESTAMP WITH TIME ZONE NOT NULL,
                "duration_minutes" integer,
                "severity_code" character varying(50),
                "numeric_value" real,
                "value_unit" character varying(50) NOT NULL,
                "characteristics" jsonb NOT NULL,
                "target_area_id" uuid,
                "record_session_id" uuid,
                "recorded_by" uuid NOT NULL,
                CONSTRAINT "PK_3fa26cdeb91437799585f5c0a17" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_volunteer_clinical_events_change" ON "volunteer_clinical_events" ("change_xid", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "volunteer_medications" (
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "change_xid" bigint NOT NULL,
                "origin_node_id" character varying(100) NOT NULL,
                "id" uuid NOT NULL,
                "volunteer_id" uuid NOT NULL,
                "medication_snomed_code" character varying(50) NOT NULL,
                "condition_id" uuid,
                "dosage" character varying(100) NOT NULL,
                "frequency" character varying(100) NOT NULL,
                "route" character varying(100) NOT NULL,
                "start_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "end_date" TIMESTAMP WITH TIME ZONE,
                "status" character varying(50) NOT NULL,
                "notes" text NOT NULL,
                "recorded_by" uuid NOT NULL,
                CONSTRAINT "PK_04db8b3261ca746424935d8c556" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_volunteer_medications_change" ON "volunteer_medications" ("change_xid", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "sensor"
            ADD CONSTRAINT "FK_494d5193129326848128d786cdb" FOREIGN KEY ("device_id") REFERENCES "device"("device_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research"
            ADD CONSTRAINT "FK_a23bb9103c681d0dfdd0cc3956c" FOREIGN KEY ("research_node_id") REFERENCES "research_nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer"
            ADD CONSTRAINT "FK_0bd3eeef7533900415b5554c69f" FOREIGN KEY ("research_node_id") REFERENCES "research_nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "record_session"
            ADD CONSTRAINT "FK_2879ca3135cc3aaf8303a509e2d" FOREIGN KEY ("research_id") REFERENCES "research"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "record_session"
            ADD CONSTRAINT "FK_5a4dc372d1af2c73e6417c48fe3" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "record"
            ADD CONSTRAINT "FK_2f959cae2e6b4cc9487bcc2a369" FOREIGN KEY ("record_session_id") REFERENCES "record_session"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "record_channel"
            ADD CONSTRAINT "FK_6f01e56636bcbb1151be2dca0c8" FOREIGN KEY ("record_id") REFERENCES "record"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "record_channel"
            ADD CONSTRAINT "FK_3bc49cb5aeb053091927f0fd22a" FOREIGN KEY ("sensor_id") REFERENCES "sensor"("sensor_id") ON DELETE
            SET NULL ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "application"
            ADD CONSTRAINT "FK_94e61fa644086902a6e0ff4c0e0" FOREIGN KEY ("research_id") REFERENCES "research"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_device"
            ADD CONSTRAINT "FK_05a5a5fc7169d64dedc5429803a" FOREIGN KEY ("research_id") REFERENCES "research"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_device"
            ADD CONSTRAINT "FK_5f6b8df0ce464e62178e5f318d6" FOREIGN KEY ("device_id") REFERENCES "device"("device_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "researcher"
            ADD CONSTRAINT "FK_fdcba06198aae98cda97e4a4d4c" FOREIGN KEY ("research_node_id") REFERENCES "research_nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_researcher"
            ADD CONSTRAINT "FK_5a9688932c45190d0b0cf3a241f" FOREIGN KEY ("research_id") REFERENCES "research"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_researcher"
            ADD CONSTRAINT "FK_c93f58c6fc22003221a9993d1a6" FOREIGN KEY ("researcher_id") REFERENCES "researcher"("researcher_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_volunteer"
            ADD CONSTRAINT "FK_4833322487a78f7fa97c053a780" FOREIGN KEY ("research_id") REFERENCES "research"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "research_volunteer"
            ADD CONSTRAINT "FK_85ce552316756c6e32cdda21536" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "session_annotation"
            ADD CONSTRAINT "FK_631cfa0821969ed8593a872d1ae" FOREIGN KEY ("record_session_id") REFERENCES "record_session"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_region"
            ADD CONSTRAINT "FK_d276c67a50632fceb28ee0ee1b1" FOREIGN KEY ("parent_region_code") REFERENCES "snomed_body_region"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_structure"
            ADD CONSTRAINT "FK_e5fb5f508040925e3a5a9d2a697" FOREIGN KEY ("body_region_code") REFERENCES "snomed_body_region"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_structure"
            ADD CONSTRAINT "FK_d51bfce6cf455a4f3d296b3e602" FOREIGN KEY ("parent_structure_code") REFERENCES "snomed_body_structure"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area"
            ADD CONSTRAINT "FK_f2e508c55d27578b3358d296fc7" FOREIGN KEY ("record_session_id") REFERENCES "record_session"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area"
            ADD CONSTRAINT "FK_844b397ce89dfec727d28f8b41b" FOREIGN KEY ("body_structure_code") REFERENCES "snomed_body_structure"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area"
            ADD CONSTRAINT "FK_73ac4f24f9fd12d324af9765295" FOREIGN KEY ("laterality_code") REFERENCES "snomed_laterality"("code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area_topographical_modifier"
            ADD CONSTRAINT "FK_b3909068851ddd268d09903a283" FOREIGN KEY ("target_area_id") REFERENCES "target_area"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area_topographical_modifier"
            ADD CONSTRAINT "FK_5996a3320cfe59f8cce4da118e1" FOREIGN KEY ("topographical_modifier_code") REFERENCES "snomed_topographical_modifier"("code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs"
            ADD CONSTRAINT "FK_797cbdb406a94400a04b00fea0c" FOREIGN KEY ("remote_node_id") REFERENCES "research_nodes"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_conflicts"
            ADD CONSTRAINT "FK_fa00847d93c12d584d94998ff99" FOREIGN KEY ("sync_log_id") REFERENCES "sync_logs"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_conflicts"
            ADD CONSTRAINT "FK_9de8fda5a54e10061394c38ed05" FOREIGN KEY ("remote_node_id") REFERENCES "research_nodes"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD CONSTRAINT "FK_841cb6326763a5751adca39f207" FOREIGN KEY ("researcher_id") REFERENCES "researcher"("researcher_id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "vital_signs"
            ADD CONSTRAINT "FK_4a62dd12a6d92c1efe43360b49e" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "vital_signs"
            ADD CONSTRAINT "FK_ce09005f1537f301da699739007" FOREIGN KEY ("record_session_id") REFERENCES "record_session"("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_allergy_intolerances"
            ADD CONSTRAINT "FK_c3d15b1aaae6aa10fa5d130b7e1" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_allergy_intolerances"
            ADD CONSTRAINT "FK_91393731c21dbc1c71f9e187f8a" FOREIGN KEY ("allergy_intolerance_snomed_code") REFERENCES "allergy_intolerances"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_conditions"
            ADD CONSTRAINT "FK_67a9bd20d0776522741adfe2281" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_conditions"
            ADD CONSTRAINT "FK_f1fb8f37fbcca6b28f8a4d03b37" FOREIGN KEY ("snomed_code") REFERENCES "clinical_conditions"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events"
            ADD CONSTRAINT "FK_351661a1963b4b5da612af1e543" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events"
            ADD CONSTRAINT "FK_078cb004c47fd57526502c728d2" FOREIGN KEY ("snomed_code") REFERENCES "clinical_events"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events"
            ADD CONSTRAINT "FK_38e345733284821a365177787f2" FOREIGN KEY ("severity_code") REFERENCES "snomed_severity_codes"("code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events"
            ADD CONSTRAINT "FK_42235a8675a003fbf48873a589a" FOREIGN KEY ("target_area_id") REFERENCES "target_area"("id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events"
            ADD CONSTRAINT "FK_f128f6f9f8d830866f5861c5cb2" FOREIGN KEY ("record_session_id") REFERENCES "record_session"("id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications"
            ADD CONSTRAINT "FK_5f5858d17c6cabd853746cee4f5" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer"("volunteer_id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications"
            ADD CONSTRAINT "FK_2f8c25e1681875928135619b567" FOREIGN KEY ("medication_snomed_code") REFERENCES "medications"("snomed_code") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications"
            ADD CONSTRAINT "FK_b0f76cd8010abace86d139cf6d8" FOREIGN KEY ("condition_id") REFERENCES "volunteer_clinical_conditions"("id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications" DROP CONSTRAINT "FK_b0f76cd8010abace86d139cf6d8"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications" DROP CONSTRAINT "FK_2f8c25e1681875928135619b567"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_medications" DROP CONSTRAINT "FK_5f5858d17c6cabd853746cee4f5"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events" DROP CONSTRAINT "FK_f128f6f9f8d830866f5861c5cb2"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events" DROP CONSTRAINT "FK_42235a8675a003fbf48873a589a"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events" DROP CONSTRAINT "FK_38e345733284821a365177787f2"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events" DROP CONSTRAINT "FK_078cb004c47fd57526502c728d2"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_events" DROP CONSTRAINT "FK_351661a1963b4b5da612af1e543"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_conditions" DROP CONSTRAINT "FK_f1fb8f37fbcca6b28f8a4d03b37"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_clinical_conditions" DROP CONSTRAINT "FK_67a9bd20d0776522741adfe2281"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_allergy_intolerances" DROP CONSTRAINT "FK_91393731c21dbc1c71f9e187f8a"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer_allergy_intolerances" DROP CONSTRAINT "FK_c3d15b1aaae6aa10fa5d130b7e1"
        `);
        await queryRunner.query(`
            ALTER TABLE "vital_signs" DROP CONSTRAINT "FK_ce09005f1537f301da699739007"
        `);
        await queryRunner.query(`
            ALTER TABLE "vital_signs" DROP CONSTRAINT "FK_4a62dd12a6d92c1efe43360b49e"
        `);
        await queryRunner.query(`
            ALTER TABLE "users" DROP CONSTRAINT "FK_841cb6326763a5751adca39f207"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_conflicts" DROP CONSTRAINT "FK_9de8fda5a54e10061394c38ed05"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_conflicts" DROP CONSTRAINT "FK_fa00847d93c12d584d94998ff99"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_logs" DROP CONSTRAINT "FK_797cbdb406a94400a04b00fea0c"
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area_topographical_modifier" DROP CONSTRAINT "FK_5996a3320cfe59f8cce4da118e1"
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area_topographical_modifier" DROP CONSTRAINT "FK_b3909068851ddd268d09903a283"
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area" DROP CONSTRAINT "FK_73ac4f24f9fd12d324af9765295"
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area" DROP CONSTRAINT "FK_844b397ce89dfec727d28f8b41b"
        `);
        await queryRunner.query(`
            ALTER TABLE "target_area" DROP CONSTRAINT "FK_f2e508c55d27578b3358d296fc7"
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_structure" DROP CONSTRAINT "FK_d51bfce6cf455a4f3d296b3e602"
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_structure" DROP CONSTRAINT "FK_e5fb5f508040925e3a5a9d2a697"
        `);
        await queryRunner.query(`
            ALTER TABLE "snomed_body_region" DROP CONSTRAINT "FK_d276c67a50632fceb28ee0ee1b1"
        `);
        await queryRunner.query(`
            ALTER TABLE "session_annotation" DROP CONSTRAINT "FK_631cfa0821969ed8593a872d1ae"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_volunteer" DROP CONSTRAINT "FK_85ce552316756c6e32cdda21536"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_volunteer" DROP CONSTRAINT "FK_4833322487a78f7fa97c053a780"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_researcher" DROP CONSTRAINT "FK_c93f58c6fc22003221a9993d1a6"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_researcher" DROP CONSTRAINT "FK_5a9688932c45190d0b0cf3a241f"
        `);
        await queryRunner.query(`
            ALTER TABLE "researcher" DROP CONSTRAINT "FK_fdcba06198aae98cda97e4a4d4c"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_device" DROP CONSTRAINT "FK_5f6b8df0ce464e62178e5f318d6"
        `);
        await queryRunner.query(`
            ALTER TABLE "research_device" DROP CONSTRAINT "FK_05a5a5fc7169d64dedc5429803a"
        `);
        await queryRunner.query(`
            ALTER TABLE "application" DROP CONSTRAINT "FK_94e61fa644086902a6e0ff4c0e0"
        `);
        await queryRunner.query(`
            ALTER TABLE "record_channel" DROP CONSTRAINT "FK_3bc49cb5aeb053091927f0fd22a"
        `);
        await queryRunner.query(`
            ALTER TABLE "record_channel" DROP CONSTRAINT "FK_6f01e56636bcbb1151be2dca0c8"
        `);
        await queryRunner.query(`
            ALTER TABLE "record" DROP CONSTRAINT "FK_2f959cae2e6b4cc9487bcc2a369"
        `);
        await queryRunner.query(`
            ALTER TABLE "record_session" DROP CONSTRAINT "FK_5a4dc372d1af2c73e6417c48fe3"
        `);
        await queryRunner.query(`
            ALTER TABLE "record_session" DROP CONSTRAINT "FK_2879ca3135cc3aaf8303a509e2d"
        `);
        await queryRunner.query(`
            ALTER TABLE "volunteer" DROP CONSTRAINT "FK_0bd3eeef7533900415b5554c69f"
        `);
        await queryRunner.query(`
            ALTER TABLE "research" DROP CONSTRAINT "FK_a23bb9103c681d0dfdd0cc3956c"
        `);
        await queryRunner.query(`
            ALTER TABLE "sensor" DROP CONSTRAINT "FK_494d5193129326848128d786cdb"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_volunteer_medications_change"
        `);
        await queryRunner.query(`
            DROP TABLE "volunteer_medications"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_volunteer_clinical_events_change"
        `);
        await queryRunner.query(`
            DROP TABLE "volunteer_clinical_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_volunteer_clinical_conditions_change"
        `);
        await queryRunner.query(`
            DROP TABLE "volunteer_clinical_conditions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_volunteer_allergy_intolerances_change"
        `);
        await queryRunner.query(`
            DROP TABLE "volunteer_allergy_intolerances"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_vital_signs_change"
        `);
        await queryRunner.query(`
            DROP TABLE "vital_signs"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_users_login"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_tombstones_change"
        `);
        await queryRunner.query(`
            DROP TABLE "tombstones"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_conflicts_sync_log_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_conflicts_remote_node_created"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_conflicts_table_name"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_conflicts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_logs_remote_node_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_logs_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_logs_started_at"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_logs"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_snomed_severity_codes_change"
        `);
        await queryRunner.query(`
            DROP TABLE "snomed_severity_codes"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_medications_change"
        `);
        await queryRunner.query(`
            DROP TABLE "medications"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_clinical_events_change"
        `);
        await queryRunner.query(`
            DROP TABLE "clinical_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_clinical_conditions_change"
        `);
        await queryRunner.query(`
            DROP TABLE "clinical_conditions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_allergy_intolerances_change"
        `);
        await queryRunner.query(`
            DROP TABLE "allergy_intolerances"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_target_area_topographical_modifier_change"
        `);
        await queryRunner.query(`
            DROP TABLE "target_area_topographical_modifier"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_target_area_change"
        `);
        await queryRunner.query(`
            DROP TABLE "target_area"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_snomed_laterality_change"
        `);
        await queryRunner.query(`
            DROP TABLE "snomed_laterality"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_snomed_body_structure_change"
        `);
        await queryRunner.query(`
            DROP TABLE "snomed_body_structure"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_snomed_body_region_change"
        `);
        await queryRunner.query(`
            DROP TABLE "snomed_body_region"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_snomed_topographical_modifier_change"
        `);
        await queryRunner.query(`
            DROP TABLE "snomed_topographical_modifier"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_session_annotation_change"
        `);
        await queryRunner.query(`
            DROP TABLE "session_annotation"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_volunteer_change"
        `);
        await queryRunner.query(`
            DROP TABLE "research_volunteer"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_researcher_change"
        `);
        await queryRunner.query(`
            DROP TABLE "research_researcher"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_researcher_change"
        `);
        await queryRunner.query(`
            DROP TABLE "researcher"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_device_change"
        `);
        await queryRunner.query(`
            DROP TABLE "research_device"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_application_change"
        `);
        await queryRunner.query(`
            DROP TABLE "application"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_record_channel_change"
        `);
        await queryRunner.query(`
            DROP TABLE "record_channel"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_record_change"
        `);
        await queryRunner.query(`
            DROP TABLE "record"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_record_session_change"
        `);
        await queryRunner.query(`
            DROP TABLE "record_session"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_volunteer_change"
        `);
        await queryRunner.query(`
            DROP TABLE "volunteer"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_change"
        `);
        await queryRunner.query(`
            DROP TABLE "research"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sensor_change"
        `);
        await queryRunner.query(`
            DROP TABLE "sensor"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_device_change"
        `);
        await queryRunner.query(`
            DROP TABLE "device"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_nodes_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_nodes_access_level"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_nodes_registered_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_research_nodes_last_authenticated_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_research_nodes_certificate_fingerprint"
        `);
        await queryRunner.query(`
            DROP TABLE "research_nodes"
        `);
    }

}
