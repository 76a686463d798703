import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SyncedEntity } from '../../core/sync-kernel/synced-entity';

/** Keyed by `code` (not snomedCode), as the reference (prism-reference.md §1). */
@Entity({ name: 'snomed_topographical_modifier' })
@Index('ix_snomed_topographical_modifier_change', ['changeXid', 'code'])
export class SnomedTopographicalModifier extends SyncedEntity {
  @PrimaryColumn({ type: 'varchar', length: 50 })
  code: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  @Column({ type: 'varchar', length: 100 })
  category: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
