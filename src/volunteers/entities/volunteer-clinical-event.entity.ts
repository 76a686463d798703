import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { RecordSession } from '../../sessions/entities/record-session.entity';
import { TargetArea } from '../../sessions/entities/target-area.entity';
import { ClinicalEvent } from '../../snomed/entities/clinical-event.entity';
import { SnomedSeverityCode } from '../../snomed/entities/snomed-severity-code.entity';
import { Volunteer } from './volunteer.entity';

@Entity({ name: 'volunteer_clinical_events' })
@Index('ix_volunteer_clinical_events_change', ['changeXid', 'id'])
export class VolunteerClinicalEvent extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'event_type', type: 'varchar', length: 50 })
  eventType: string;

  @Column({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @ManyToOne(() => ClinicalEvent, fk('NO ACTION'))
  @joinOn('snomed_code')
  clinicalEvent?: Relation<ClinicalEvent>;

  @Column({ name: 'event_datetime', type: 'timestamptz' })
  eventDatetime: string;

  @Column({ name: 'duration_minutes', type: 'integer', nullable: true })
  durationMinutes: number | null;

  @Column({ name: 'severity_code', type: 'varchar', length: 50, nullable: true })
  severityCode: string | null;

  @ManyToOne(() => SnomedSeverityCode, fk('NO ACTION', true))
  @joinOn('severity_code')
  severity?: Relation<SnomedSeverityCode> | null;

  @Column({ name: 'numeric_value', type: 'real', nullable: true })
  numericValue: number | null;

  @Column({ name: 'value_unit', type: 'varchar', length: 50 })
  valueUnit: string;

  @Column({ type: 'jsonb' })
  characteristics: unknown;

  @Column({ name: 'target_area_id', type: 'uuid', nullable: true })
  targetAreaId: string | null;

  @ManyToOne(() => TargetArea, fk('NO ACTION', true))
  @joinOn('target_area_id')
  targetArea?: Relation<TargetArea> | null;

  @Column({ name: 'record_session_id', type: 'uuid', nullable: true })
  recordSessionId: string | null;

  @ManyToOne(() => RecordSession, fk('NO ACTION', true))
  @joinOn('record_session_id')
  recordSession?: Relation<RecordSession> | null;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;
}
