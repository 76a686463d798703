import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SyncedEntity } from '../../core/sync-kernel/synced-entity';

@Entity({ name: 'medications' })
@Index('ix_medications_change', ['changeXid', 'snomedCode'])
export class Medication extends SyncedEntity {
  @PrimaryColumn({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @Column({ name: 'medication_name', type: 'varchar', length: 200 })
  medicationName: string;

  @Column({ name: 'active_ingredient', type: 'varchar', length: 200 })
  activeIngredient: string;

  @Column({ name: 'anvisa_code', type: 'varchar', length: 50 })
  anvisaCode: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
