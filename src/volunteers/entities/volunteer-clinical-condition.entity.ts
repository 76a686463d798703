import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { ClinicalCondition } from '../../snomed/entities/clinical-condition.entity';
import { Volunteer } from './volunteer.entity';

/** HEAD shape of the reference (onset/abatement/severity/verification/notes dropped upstream). */
@Entity({ name: 'volunteer_clinical_conditions' })
@Index('ix_volunteer_clinical_conditions_change', ['changeXid', 'id'])
export class VolunteerClinicalCondition extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @ManyToOne(() => ClinicalCondition, fk('NO ACTION'))
  @joinOn('snomed_code')
  clinicalCondition?: Relation<ClinicalCondition>;

  @Column({ name: 'clinical_status', type: 'varchar', length: 50 })
  clinicalStatus: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;
}
