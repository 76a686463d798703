import { Column, JoinColumn, RelationOptions } from 'typeorm';

/**
 * The four columns every synced table has (docs/architecture.md §2), maintained by the trigger
 * prism_stamp_row(), never by application code. Entities of synced tables extend this class; each
 * still declares its own `(change_xid, <pk>)` index, which needs the table's key columns.
 *
 * Timestamps are typed as strings on purpose: synced data is moved in SQL as µs text, never as a JS
 * Date (TypeORM would hydrate Dates here, but the engine does not read synced rows through entities).
 */
export abstract class SyncedEntity {
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: string;

  /** pg_current_xact_id() of the last writing transaction, as bigint (TypeORM has no xid8 type). */
  @Column({ name: 'change_xid', type: 'bigint', insert: false, update: false, select: false })
  changeXid: string;

  /** Protocol node id of the node that created the row; filled by the trigger on insert. */
  @Column({ name: 'origin_node_id', type: 'varchar', length: 100 })
  originNodeId: string;
}

/** RESTRICT is never used: it cannot be deferred, and a pull defers every check to its commit. */
export type OnDeleteRule = 'CASCADE' | 'SET NULL' | 'NO ACTION';

/**
 * Options of every foreign key between synced tables: DEFERRABLE INITIALLY IMMEDIATE (the import
 * defers all constraints, CRUD keeps immediate checks) with the reference's ON DELETE rule.
 * The FK column itself is declared with @Column; the relation only adds the constraint.
 */
export function fk(onDelete: OnDeleteRule, nullable = false): RelationOptions {
  return { onDelete, nullable, deferrable: 'INITIALLY IMMEDIATE' };
}

/** The relation's join column, by database column name (the same one the @Column declares). */
export function joinOn(column: string): PropertyDecorator {
  return JoinColumn({ name: column });
}
