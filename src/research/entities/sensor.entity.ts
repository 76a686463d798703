import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Device } from './device.entity';

@Entity({ name: 'sensor' })
@Index('ix_sensor_change', ['changeXid', 'sensorId'])
export class Sensor extends SyncedEntity {
  @PrimaryColumn({ name: 'sensor_id', type: 'uuid' })
  sensorId: string;

  @Column({ name: 'device_id', type: 'uuid' })
  deviceId: string;

  @ManyToOne(() => Device, fk('CASCADE'))
  @joinOn('device_id')
  device?: Relation<Device>;

  @Column({ name: 'sensor_name', type: 'varchar', length: 200 })
  sensorName: string;

  @Column({ name: 'max_sampling_rate', type: 'real' })
  maxSamplingRate: number;

  @Column({ type: 'varchar', length: 50 })
  unit: string;

  @Column({ name: 'min_range', type: 'real' })
  minRange: number;

  @Column({ name: 'max_range', type: 'real' })
  maxRange: number;

  @Column({ type: 'real' })
  accuracy: number;

  @Column({ name: 'additional_info', type: 'text' })
  additionalInfo: string;
}
