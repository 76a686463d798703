import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change tracking of every synced table (ARCHITECTURE §2), hand-written: TypeORM does not model
 * triggers, so `migration:generate` never sees (or drops) them.
 *
 * - prism_stamp_row() BEFORE INSERT OR UPDATE: change_xid = the writing transaction's xid;
 *   updated_at / created_at / origin_node_id maintained unless the import engine set
 *   `prism.sync_apply = 'on'` (then the peer's values are kept); a re-inserted key loses its tombstone.
 * - prism_tombstone() AFTER DELETE: upserts the key into tombstones (also for cascaded deletes).
 *
 * The table list is frozen here on purpose (a migration must not depend on today's entities); the
 * foundation tests check that every table of the sync catalog has both triggers.
 */
const SYNCED_TABLE_KEYS: ReadonlyArray<[table: string, key: string[]]> = [
  ['snomed_body_region', ['snomed_code']],
  ['snomed_body_structure', ['snomed_code']],
  ['snomed_topographical_modifier', ['code']],
  ['snomed_laterality', ['code']],
  ['snomed_severity_codes', ['code']],
  ['clinical_conditions', ['snomed_code']],
  ['clinical_events', ['snomed_code']],
  ['medications', ['snomed_code']],
  ['allergy_intolerances', ['snomed_code']],
  ['researcher', ['researcher_id']],
  ['device', ['device_id']],
  ['sensor', ['sensor_id']],
  ['volunteer', ['volunteer_id']],
  ['vital_signs', ['id']],
  ['volunteer_clinical_conditions', ['id']],
  ['volunteer_clinical_events', ['id']],
  ['volunteer_medications', ['id']],
  ['volunteer_allergy_intolerances', ['id']],
  ['research', ['id']],
  ['application', ['application_id']],
  ['research_researcher', ['research_id', 'researcher_id']],
  ['research_volunteer', ['research_id', 'volunteer_id']],
  ['research_device', ['research_id', 'device_id']],
  ['record_session', ['id']],
  ['target_area', ['id']],
  ['target_area_topographical_modifier', ['target_area_id', 'topographical_modifier_code']],
  ['record', ['id']],
  ['record_channel', ['id']],
  ['session_annotation', ['id']],
];

const FUNCTIONS = `
-- {pk column: value} of a row, the key format of tombstones and sync_conflicts.
CREATE FUNCTION prism_row_key(row_data jsonb, key_columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_object_agg(k, row_data -> k) FROM unnest(key_columns) AS k
$$;

-- TG_ARGV: the table's primary key columns.
CREATE FUNCTION prism_stamp_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  applying boolean := coalesce(current_setting('prism.sync_apply', true), '') = 'on';
  deleted timestamptz;
BEGIN
  NEW.change_xid := pg_current_xact_id()::text::bigint;
  IF TG_OP = 'INSERT' THEN
    NEW.origin_node_id := coalesce(NEW.origin_node_id, nullif(current_setting('prism.node_id', true), ''), 'unknown');
    NEW.created_at := coalesce(NEW.created_at, clock_timestamp());
    IF applying THEN
      NEW.updated_at := coalesce(NEW.updated_at, clock_timestamp());
    ELSE
      NEW.updated_at := clock_timestamp();
    END IF;
    -- A re-created row is alive again (a pull removes the tombstones of its rows in one statement),
    -- and newer than its delete even if the clock stepped back: newer-wins must see the re-creation.
    IF NOT applying THEN
      DELETE FROM public.tombstones WHERE table_name = TG_TABLE_NAME AND row_key = public.prism_row_key(to_jsonb(NEW), TG_ARGV)
        RETURNING deleted_at INTO deleted;
      IF deleted IS NOT NULL THEN
        NEW.updated_at := greatest(NEW.updated_at, deleted + interval '1 microsecond');
      END IF;
    END IF;
  ELSIF applying THEN
    NEW.origin_node_id := coalesce(NEW.origin_node_id, OLD.origin_node_id);
  ELSE
    NEW.origin_node_id := OLD.origin_node_id;
    NEW.created_at := OLD.created_at;
    -- Strictly increasing even if the clock steps back: "newer updated_at wins" must see every edit.
    NEW.updated_at := greatest(clock_timestamp(), OLD.updated_at + interval '1 microsecond');
  END IF;
  RETURN NEW;
END
$$;

-- TG_ARGV: the table's primary key columns. In sync-apply mode the import engine afterwards
-- overwrites deleted_at/origin_node_id with the peer's values.
CREATE FUNCTION prism_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.tombstones (table_name, row_key, deleted_at, change_xid, origin_node_id)
  VALUES (
    TG_TABLE_NAME,
    public.prism_row_key(to_jsonb(OLD), TG_ARGV),
    clock_timestamp(),
    pg_current_xact_id()::text::bigint,
    coalesce(nullif(current_setting('prism.node_id', true), ''), 'unknown')
  )
  ON CONFLICT ON CONSTRAINT uq_tombstones_table_key DO UPDATE
    SET deleted_at = EXCLUDED.deleted_at, change_xid = EXCLUDED.change_xid, origin_node_id = EXCLUDED.origin_node_id;
  RETURN OLD;
END
$$;
`;

const literalList = (columns: string[]) => columns.map((c) => `'${c}'`).join(', ');

export class ChangeTracking1795319589469 implements MigrationInterface {
  name = 'ChangeTracking1795319589469';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(FUNCTIONS);
    for (const [table, key] of SYNCED_TABLE_KEYS) {
      await queryRunner.query(
        `CREATE TRIGGER prism_stamp_row BEFORE INSERT OR UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION prism_stamp_row(${literalList(key)})`,
      );
      await queryRunner.query(
        `CREATE TRIGGER prism_tombstone AFTER DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION prism_tombstone(${literalList(key)})`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of SYNCED_TABLE_KEYS) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS prism_tombstone ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER IF EXISTS prism_stamp_row ON "${table}"`);
    }
    await queryRunner.query('DROP FUNCTION IF EXISTS prism_tombstone()');
    await queryRunner.query('DROP FUNCTION IF EXISTS prism_stamp_row()');
    await queryRunner.query('DROP FUNCTION IF EXISTS prism_row_key(jsonb, text[])');
  }
}
