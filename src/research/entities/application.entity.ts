import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Research } from './research.entity';

@Entity({ name: 'application' })
@Index('ix_application_change', ['changeXid', 'applicationId'])
export class Application extends SyncedEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'research_id', type: 'uuid' })
  researchId: string;

  @ManyToOne(() => Research, fk('CASCADE'))
  @joinOn('research_id')
  research?: Relation<Research>;

  @Column({ name: 'app_name', type: 'varchar', length: 200 })
  appName: string;

  @Column({ type: 'varchar', length: 500 })
  url: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'additional_info', type: 'text' })
  additionalInfo: string;
}
