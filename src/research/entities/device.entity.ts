import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SyncedEntity } from '../../core/sync-kernel/synced-entity';

/** Devices are global (not per research); research_device links them to research. */
@Entity({ name: 'device' })
@Index('ix_device_change', ['changeXid', 'deviceId'])
export class Device extends SyncedEntity {
  @PrimaryColumn({ name: 'device_id', type: 'uuid' })
  deviceId: string;

  @Column({ name: 'device_name', type: 'varchar', length: 200 })
  deviceName: string;

  @Column({ type: 'varchar', length: 200 })
  manufacturer: string;

  @Column({ type: 'varchar', length: 200 })
  model: string;

  @Column({ name: 'additional_info', type: 'text' })
  additionalInfo: string;
}
