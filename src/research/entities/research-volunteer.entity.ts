import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Volunteer } from '../../volunteers/entities/volunteer.entity';
import { Research } from './research.entity';

@Entity({ name: 'research_volunteer' })
@Index('ix_research_volunteer_change', ['changeXid', 'researchId', 'volunteerId'])
export class ResearchVolunteer extends SyncedEntity {
  @PrimaryColumn({ name: 'research_id', type: 'uuid' })
  researchId: string;

  @PrimaryColumn({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Research, fk('CASCADE'))
  @joinOn('research_id')
  research?: Relation<Research>;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'enrollment_status', type: 'varchar', length: 50 })
  enrollmentStatus: string;

  @Column({ name: 'consent_date', type: 'timestamptz' })
  consentDate: string;

  @Column({ name: 'consent_version', type: 'varchar', length: 50 })
  consentVersion: string;

  @Column({ name: 'exclusion_reason', type: 'text', nullable: true })
  exclusionReason: string | null;

  @Column({ name: 'enrolled_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  enrolledAt: string;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: string | null;
}
