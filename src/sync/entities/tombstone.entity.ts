import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A deleted synced row, written by the prism_tombstone() trigger (one per table and key, the
 * latest delete wins) and removed when the row is re-created. Exported with the aggregate of
 * `table_name`, windowed by change_xid like the rows (docs/architecture.md §2, §6).
 *
 * It has a change_xid but is not a synced table itself: the sync catalog skips it by name.
 */
@Entity({ name: 'tombstones' })
// Not deferrable: the trigger's ON CONFLICT needs it as arbiter.
@Unique('uq_tombstones_table_key', ['tableName', 'rowKey'])
@Index('ix_tombstones_change', ['changeXid', 'id'])
export class Tombstone {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'table_name', type: 'varchar', length: 100 })
  tableName: string;

  /** {pk column: value} of the deleted row. */
  @Column({ name: 'row_key', type: 'jsonb' })
  rowKey: Record<string, unknown>;

  @Column({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt: string;

  @Column({ name: 'change_xid', type: 'bigint' })
  changeXid: string;

  /** Node that deleted the row. */
  @Column({ name: 'origin_node_id', type: 'varchar', length: 100 })
  originNodeId: string;
}
