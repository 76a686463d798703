import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Device } from './device.entity';
import { Research } from './research.entity';

@Entity({ name: 'research_device' })
@Index('ix_research_device_change', ['changeXid', 'researchId', 'deviceId'])
export class ResearchDevice extends SyncedEntity {
  @PrimaryColumn({ name: 'research_id', type: 'uuid' })
  researchId: string;

  @PrimaryColumn({ name: 'device_id', type: 'uuid' })
  deviceId: string;

  @ManyToOne(() => Research, fk('CASCADE'))
  @joinOn('research_id')
  research?: Relation<Research>;

  @ManyToOne(() => Device, fk('CASCADE'))
  @joinOn('device_id')
  device?: Relation<Device>;

  @Column({ type: 'varchar', length: 200 })
  role: string;

  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  addedAt: string;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: string | null;

  @Column({ name: 'calibration_status', type: 'varchar', length: 100 })
  calibrationStatus: string;

  @Column({ name: 'last_calibration_date', type: 'timestamptz', nullable: true })
  lastCalibrationDate: string | null;
}
