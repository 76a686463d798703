import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { RecordSession } from './record-session.entity';

@Entity({ name: 'session_annotation' })
@Index('ix_session_annotation_change', ['changeXid', 'id'])
export class SessionAnnotation extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'record_session_id', type: 'uuid' })
  recordSessionId: string;

  @ManyToOne(() => RecordSession, fk('CASCADE'))
  @joinOn('record_session_id')
  recordSession?: Relation<RecordSession>;

  @Column({ type: 'varchar', length: 5000 })
  text: string;
}
