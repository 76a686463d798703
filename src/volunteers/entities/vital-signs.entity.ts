import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { RecordSession } from '../../sessions/entities/record-session.entity';
import { Volunteer } from './volunteer.entity';

@Entity({ name: 'vital_signs' })
@Index('ix_vital_signs_change', ['changeXid', 'id'])
export class VitalSigns extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  @ManyToOne(() => Volunteer, fk('CASCADE'))
  @joinOn('volunteer_id')
  volunteer?: Relation<Volunteer>;

  @Column({ name: 'record_session_id', type: 'uuid' })
  recordSessionId: string;

  @ManyToOne(() => RecordSession, fk('CASCADE'))
  @joinOn('record_session_id')
  recordSession?: Relation<RecordSession>;

  @Column({ name: 'systolic_bp', type: 'real', nullable: true })
  systolicBp: number | null;

  @Column({ name: 'diastolic_bp', type: 'real', nullable: true })
  diastolicBp: number | null;

  @Column({ name: 'heart_rate', type: 'real', nullable: true })
  heartRate: number | null;

  @Column({ name: 'respiratory_rate', type: 'real', nullable: true })
  respiratoryRate: number | null;

  @Column({ type: 'real', nullable: true })
  temperature: number | null;

  @Column({ name: 'oxygen_saturation', type: 'real', nullable: true })
  oxygenSaturation: number | null;

  @Column({ type: 'real', nullable: true })
  weight: number | null;

  @Column({ type: 'real', nullable: true })
  height: number | null;

  @Column({ type: 'real', nullable: true })
  bmi: number | null;

  @Column({ name: 'measurement_datetime', type: 'timestamptz' })
  measurementDatetime: string;

  @Column({ name: 'measurement_context', type: 'varchar', length: 200 })
  measurementContext: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy: string;
}
