import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SyncedEntity } from '../../core/sync-kernel/synced-entity';

@Entity({ name: 'allergy_intolerances' })
@Index('ix_allergy_intolerances_change', ['changeXid', 'snomedCode'])
export class AllergyIntolerance extends SyncedEntity {
  @PrimaryColumn({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @Column({ type: 'varchar', length: 100 })
  category: string;

  @Column({ name: 'substance_name', type: 'varchar', length: 200 })
  substanceName: string;

  @Column({ type: 'varchar', length: 50 })
  type: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
