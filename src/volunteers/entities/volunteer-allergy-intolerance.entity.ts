import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { AllergyIntolerance } from '../../snomed/entities/allergy-intolerance.entity';
import { Volunteer } from './volunteer.entity';

@Entity({ name: 'volunteer_allergy_intolerances' })
@Index('ix_volunteer_allergy_intolerances_change', ['changeXid', 'id'])
export class VolunteerAllergyIntolerance extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'allergy_intolerance_snomed_code', type: 'varchar', length: 50 })
  allergyIntoleranceSnomedCode: string;

  @ManyToOne(() => AllergyIntolerance, fk('NO ACTION'))
  @joinOn('allergy_intolerance_snomed_code')
  allergyIntolerance?: Relation<AllergyIntolerance>;

  @Column({ type: 'varchar', length: 50 })
  criticality: string;

  @Column({ name: 'clinical_status', type: 'varchar', length: 50 })
  clinicalStatus: string;

  @Column({ type: 'jsonb' })
  manifestations: unknown;

  @Column({ name: 'onset_date', type: 'timestamptz', nullable: true })
  onsetDate: string | null;

  @Column({ name: 'last_occurrence', type: 'timestamptz', nullable: true })
  lastOccurrence: string | null;

  @Column({ name: 'verification_status', type: 'varchar', length: 50 })
  verificationStatus: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;
}
