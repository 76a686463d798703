import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Sensor } from '../../research/entities/sensor.entity';
import { SessionRecord } from './record.entity';

/** Metadata of one recorded channel; the samples live in a file (file_url + checksum columns). */
@Entity({ name: 'record_channel' })
@Index('ix_record_channel_change', ['changeXid', 'id'])
export class RecordChannel extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'record_id', type: 'uuid' })
  recordId: string;

  @ManyToOne(() => SessionRecord, fk('CASCADE'))
  @joinOn('record_id')
  record?: Relation<SessionRecord>;

  @Column({ name: 'sensor_id', type: 'uuid', nullable: true })
  sensorId: string | null;

  @ManyToOne(() => Sensor, fk('SET NULL', true))
  @joinOn('sensor_id')
  sensor?: Relation<Sensor> | null;

  @Column({ name: 'signal_type', type: 'varchar', length: 100 })
  signalType: string;

  /** Where THIS node stores the file ("" when none); node-local, rewritten on import. */
  @Column({ name: 'file_url', type: 'varchar', length: 1000, default: '' })
  fileUrl: string;

  /** Hz. */
  @Column({ name: 'sampling_rate', type: 'real' })
  samplingRate: number;

  @Column({ name: 'samples_count', type: 'integer' })
  samplesCount: number;

  @Column({ name: 'start_timestamp', type: 'timestamptz' })
  startTimestamp: string;

  /** Hex SHA-256 of the file content (content address; verified on transfer). */
  @Column({ name: 'file_sha256', type: 'char', length: 64, nullable: true })
  fileSha256: string | null;

  /** bigint: pg returns it as a string. */
  @Column({ name: 'file_size_bytes', type: 'bigint', nullable: true })
  fileSizeBytes: string | null;

  @Column({ name: 'file_content_type', type: 'varchar', length: 100, nullable: true })
  fileContentType: string | null;
}
