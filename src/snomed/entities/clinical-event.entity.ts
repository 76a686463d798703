import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SyncedEntity } from '../../core/sync-kernel/synced-entity';

@Entity({ name: 'clinical_events' })
@Index('ix_clinical_events_change', ['changeXid', 'snomedCode'])
export class ClinicalEvent extends SyncedEntity {
  @PrimaryColumn({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
