import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Research } from '../../research/entities/research.entity';
import { Volunteer } from '../../volunteers/entities/volunteer.entity';

@Entity({ name: 'record_session' })
@Index('ix_record_session_change', ['changeXid', 'id'])
export class RecordSession extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'research_id', type: 'uuid', nullable: true })
  researchId: string | null;

  @ManyToOne(() => Research, fk('SET NULL', true))
  @joinOn('research_id')
  research?: Relation<Research> | null;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'start_at', type: 'timestamptz' })
  startAt: string;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: string | null;

  /**
   * The reference's HEAD column, kept for wire compatibility as a plain value WITHOUT a foreign key:
   * the real link is target_area.record_session_id (UNIQUE). A FK here too would make
   * record_session ⇄ target_area a cycle, which breaks parent-first apply order and cascading
   * deletes; clients may keep sending it, nothing relies on it.
   */
  @Column({ name: 'target_area_id', type: 'uuid', nullable: true })
  targetAreaId: string | null;
}
