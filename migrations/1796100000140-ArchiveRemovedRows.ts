import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows a pull removes indirectly (a cascade of an incoming parent delete) are archived like the
 * rows it deletes directly (issue #14 item 4): in sync-apply mode, when the import engine asked for
 * it (`prism.archive_removed_since` = the local xid of the last pull from that peer), prism_tombstone()
 * also copies a removed row that changed locally since then into the apply's temp table
 * `prism_removed_rows`; the engine archives what the pull did not already archive, in one statement
 * per table. The row's content is only available here, in the trigger, whatever the FK action.
 */
export const TOMBSTONE_WITH_CAPTURE = `
CREATE OR REPLACE FUNCTION prism_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  removed_since bigint := nullif(current_setting('prism.archive_removed_since', true), '')::bigint;
  key_of_row jsonb := public.prism_row_key(to_jsonb(OLD), TG_ARGV);
BEGIN
  INSERT INTO public.tombstones (table_name, row_key, deleted_at, change_xid, origin_node_id)
  VALUES (
    TG_TABLE_NAME,
    key_of_row,
    clock_timestamp(),
    pg_current_xact_id()::text::bigint,
    coalesce(nullif(current_setting('prism.node_id', true), ''), 'unknown')
  )
  ON CONFLICT ON CONSTRAINT uq_tombstones_table_key DO UPDATE
    SET deleted_at = EXCLUDED.deleted_at, change_xid = EXCLUDED.change_xid, origin_node_id = EXCLUDED.origin_node_id;
  IF removed_since IS NOT NULL AND OLD.change_xid > removed_since THEN
    INSERT INTO pg_temp.prism_removed_rows (table_name, row_key, row_data) VALUES (TG_TABLE_NAME, key_of_row, to_jsonb(OLD));
  END IF;
  RETURN OLD;
END
$$;
`;

const TOMBSTONE_ORIGINAL = `
CREATE OR REPLACE FUNCTION prism_tombstone() RETURNS trigger
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

export class ArchiveRemovedRows1796100000140 implements MigrationInterface {
  name = 'ArchiveRemovedRows1796100000140';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TOMBSTONE_WITH_CAPTURE);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TOMBSTONE_ORIGINAL);
  }
}
