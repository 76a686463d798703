import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Guard against clocks that are wrong (issue 14 item 5).
 *
 * - prism_max_clock_skew(): how far ahead of this node's clock a timestamp is still trusted, from
 *   the connection setting `prism.max_clock_skew` (SYNC_MAX_CLOCK_SKEW_SECONDS), 2 minutes without it.
 * - prism_stamp_row(): an edit of a row stamped further ahead than that (a clock that was wrong, or a
 *   forced value) is stamped with the clock, not `OLD + 1 µs`: otherwise every later edit on every
 *   node would be stamped `OLD + 1 µs` alike and newer-wins would fall to the content hash. The
 *   same for a re-created row whose tombstone is stamped that far ahead. Elsewhere unchanged.
 * - sync_logs.clock_skew_ms: the peer's clock minus this node's, measured at each pull's manifest.
 */
export class ClockSkewGuard1796032248000 implements MigrationInterface {
  name = 'ClockSkewGuard1796032248000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_logs" ADD "clock_skew_ms" integer`);
    await queryRunner.query(`
CREATE FUNCTION prism_max_clock_skew() RETURNS interval
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('prism.max_clock_skew', true), ''), '2 minutes')::interval
$$;`);
    await queryRunner.query(stampRow(true));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(stampRow(false));
    await queryRunner.query('DROP FUNCTION IF EXISTS prism_max_clock_skew()');
    await queryRunner.query(`ALTER TABLE "sync_logs" DROP COLUMN "clock_skew_ms"`);
  }
}

/** prism_stamp_row() with (`guarded`) or without the future-stamp guard (the previous migration's). */
function stampRow(guarded: boolean): string {
  const trusted = (stamp: string) => (guarded ? `${stamp} <= clock_timestamp() + public.prism_max_clock_skew()` : 'TRUE');
  return `
CREATE OR REPLACE FUNCTION prism_stamp_row() RETURNS trigger
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
      IF deleted IS NOT NULL AND ${trusted('deleted')} THEN
        NEW.updated_at := greatest(NEW.updated_at, deleted + interval '1 microsecond');
      END IF;
    END IF;
  ELSIF applying THEN
    NEW.origin_node_id := coalesce(NEW.origin_node_id, OLD.origin_node_id);
  ELSE
    NEW.origin_node_id := OLD.origin_node_id;
    NEW.created_at := OLD.created_at;
    -- Strictly increasing even if the clock steps back: "newer updated_at wins" must see every edit.
    -- Not after a stamp from a clock far ahead: that would freeze every later edit at OLD + 1 us.
    IF ${trusted('OLD.updated_at')} THEN
      NEW.updated_at := greatest(clock_timestamp(), OLD.updated_at + interval '1 microsecond');
    ELSE
      NEW.updated_at := clock_timestamp();
    END IF;
  END IF;
  RETURN NEW;
END
$$;`;
}
