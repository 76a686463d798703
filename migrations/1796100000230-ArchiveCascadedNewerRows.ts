import { MigrationInterface, QueryRunner } from 'typeorm';
import { TOMBSTONE_WITH_CAPTURE } from './1796100000140-ArchiveRemovedRows';

/**
 * A pull also keeps the rows it removes that are newer than the deletes that removed them: a child
 * edited here after the peer deleted its parent, which the parent's incoming tombstone cascades
 * away. "Changed since the last pull" (change_xid) misses such an edit when it committed while the
 * previous pull was fetching: that pull's apply came after it, so its xid is the larger. So in
 * sync-apply mode prism_tombstone() also captures a removed row stamped after the oldest incoming
 * delete (`prism.archive_removed_after`, set by the import engine); the engine archives those the
 * delete that removed them is older than (removed-rows-sql.ts).
 */
const TOMBSTONE_WITH_NEWER_CAPTURE = `
CREATE OR REPLACE FUNCTION prism_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  removed_since bigint := nullif(current_setting('prism.archive_removed_since', true), '')::bigint;
  removed_after timestamptz := nullif(current_setting('prism.archive_removed_after', true), '')::timestamptz;
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
  IF removed_since IS NOT NULL AND (OLD.change_xid > removed_since OR OLD.updated_at > removed_after) THEN
    INSERT INTO pg_temp.prism_removed_rows (table_name, row_key, row_data) VALUES (TG_TABLE_NAME, key_of_row, to_jsonb(OLD));
  END IF;
  RETURN OLD;
END
$$;
`;

export class ArchiveCascadedNewerRows1796100000230 implements MigrationInterface {
  name = 'ArchiveCascadedNewerRows1796100000230';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TOMBSTONE_WITH_NEWER_CAPTURE);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TOMBSTONE_WITH_CAPTURE);
  }
}
