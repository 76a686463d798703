import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Natural keys never block a pull (issue #14 item 1). The unique constraints (origin_node_id, email)
 * etc. made a pull fail forever, in both directions, once two nodes' edits gave two rows of one
 * origin the same email or code. They become:
 * - a BEFORE INSERT OR UPDATE trigger per natural key, named as the constraint was, that refuses a
 *   local write (23505, the same constraint name and detail, so the API still answers 409
 *   ERR_UNIQUE_VIOLATION) whose key another row already has; the key's transaction-scoped advisory
 *   lock makes two concurrent writers of one key queue (the second sees the first's commit);
 *   skipped in sync-apply mode: a pull applies the peer's rows as they are, and the import engine
 *   records each collision in sync_conflicts (rule natural_key);
 * - a plain index on the same columns (the trigger's lookup and the engine's).
 * The list is frozen here (as in ChangeTracking); a test checks it against the specs' naturalKeys.
 * Trigger names sort after prism_stamp_row, so origin_node_id is filled when they run.
 */
const NATURAL_KEYS: ReadonlyArray<{ table: string; name: string; index: string; columns: string[]; key: string[] }> = [
  { table: 'volunteer', name: 'uq_volunteer_origin_email', index: 'ix_volunteer_origin_email', columns: ['origin_node_id', 'email'], key: ['volunteer_id'] },
  { table: 'volunteer', name: 'uq_volunteer_origin_code', index: 'ix_volunteer_origin_code', columns: ['origin_node_id', 'volunteer_code'], key: ['volunteer_id'] },
  { table: 'researcher', name: 'uq_researcher_origin_email', index: 'ix_researcher_origin_email', columns: ['origin_node_id', 'email'], key: ['researcher_id'] },
  { table: 'target_area', name: 'uq_target_area_record_session', index: 'ix_target_area_record_session', columns: ['record_session_id'], key: ['id'] },
];

// TG_ARGV[0]: the natural key's columns, TG_ARGV[1]: the primary key's, comma-separated.
export const NATURAL_KEY_FUNCTION = `
CREATE FUNCTION prism_unique_natural_key() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  key_columns text[] := string_to_array(TG_ARGV[0], ',');
  pk_columns text[] := string_to_array(TG_ARGV[1], ',');
  new_row jsonb := to_jsonb(NEW);
  key_values text;
  taken boolean;
BEGIN
  IF coalesce(current_setting('prism.sync_apply', true), '') = 'on' THEN
    RETURN NEW;
  END IF;
  -- As a unique constraint: a NULL in the key collides with nothing; an unchanged key is not re-checked.
  IF EXISTS (SELECT 1 FROM unnest(key_columns) AS c WHERE new_row ->> c IS NULL) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND NOT EXISTS (SELECT 1 FROM unnest(key_columns) AS c WHERE to_jsonb(OLD) -> c IS DISTINCT FROM new_row -> c) THEN
    RETURN NEW;
  END IF;
  SELECT string_agg(new_row ->> c, ', ' ORDER BY i) INTO key_values FROM unnest(key_columns) WITH ORDINALITY AS k(c, i);
  PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_NAME || '/' || TG_NAME || '/' || key_values, 0));
  EXECUTE format(
    'SELECT EXISTS (SELECT 1 FROM %I.%I t WHERE %s AND (%s))',
    TG_TABLE_SCHEMA, TG_TABLE_NAME,
    (SELECT string_agg(format('t.%I = ($1).%I', c, c), ' AND ') FROM unnest(key_columns) AS c),
    (SELECT string_agg(format('t.%I IS DISTINCT FROM ($1).%I', c, c), ' OR ') FROM unnest(pk_columns) AS c)
  ) INTO taken USING NEW;
  IF taken THEN
    RAISE EXCEPTION 'duplicate key value violates unique constraint "%"', TG_NAME
      USING ERRCODE = 'unique_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME,
        DETAIL = format('Key (%s)=(%s) already exists.', array_to_string(key_columns, ', '), key_values);
  END IF;
  RETURN NEW;
END
$$;
`;

const list = (columns: string[]) => columns.map((c) => `"${c}"`).join(', ');

export class NaturalKeysNeverBlockPulls1796100000141 implements MigrationInterface {
  name = 'NaturalKeysNeverBlockPulls1796100000141';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(NATURAL_KEY_FUNCTION);
    for (const k of NATURAL_KEYS) {
      await queryRunner.query(`ALTER TABLE "${k.table}" DROP CONSTRAINT "${k.name}"`);
      await queryRunner.query(`CREATE INDEX "${k.index}" ON "${k.table}" (${list(k.columns)})`);
      await queryRunner.query(
        `CREATE TRIGGER "${k.name}" BEFORE INSERT OR UPDATE ON "${k.table}" FOR EACH ROW EXECUTE FUNCTION prism_unique_natural_key('${k.columns.join(',')}', '${k.key.join(',')}')`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const k of [...NATURAL_KEYS].reverse()) {
      await queryRunner.query(`DROP TRIGGER "${k.name}" ON "${k.table}"`);
      await queryRunner.query(`DROP INDEX "${k.index}"`);
      await queryRunner.query(`ALTER TABLE "${k.table}" ADD CONSTRAINT "${k.name}" UNIQUE (${list(k.columns)}) DEFERRABLE INITIALLY IMMEDIATE`);
    }
    await queryRunner.query('DROP FUNCTION prism_unique_natural_key()');
  }
}
