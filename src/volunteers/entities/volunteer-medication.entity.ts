import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Medication } from '../../snomed/entities/medication.entity';
import { VolunteerClinicalCondition } from './volunteer-clinical-condition.entity';
import { Volunteer } from './volunteer.entity';

@Entity({ name: 'volunteer_medications' })
@Index('ix_volunteer_medications_change', ['changeXid', 'id'])
export class VolunteerMedication extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'medication_snomed_code', type: 'varchar', length: 50 })
  medicationSnomedCode: string;

  @ManyToOne(() => Medication, fk('NO ACTION'))
  @joinOn('medication_snomed_code')
  medication?: Relation<Medication>;

  @Column({ name: 'condition_id', type: 'uuid', nullable: true })
  conditionId: string | null;

  @ManyToOne(() => VolunteerClinicalCondition, fk('NO ACTION', true))
  @joinOn('condition_id')
  condition?: Relation<VolunteerClinicalCondition> | null;

  @Column({ type: 'varchar', length: 100 })
  dosage: string;

  @Column({ type: 'varchar', length: 100 })
  frequency: string;

  @Column({ type: 'varchar', length: 100 })
  route: string;

  @Column({ name: 'start_date', type: 'timestamptz' })
  startDate: string;

  @Column({ name: 'end_date', type: 'timestamptz', nullable: true })
  endDate: string | null;

  @Column({ type: 'varchar', length: 50 })
  status: string;

  @Column({ type: 'text' })
  notes: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;
}
