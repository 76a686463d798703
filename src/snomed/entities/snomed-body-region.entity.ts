import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';

@Entity({ name: 'snomed_body_region' })
@Index('ix_snomed_body_region_change', ['changeXid', 'snomedCode'])
export class SnomedBodyRegion extends SyncedEntity {
  @PrimaryColumn({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  @Column({ name: 'parent_region_code', type: 'varchar', length: 50, nullable: true })
  parentRegionCode: string | null;

  @ManyToOne(() => SnomedBodyRegion, fk('NO ACTION', true))
  @joinOn('parent_region_code')
  parentRegion?: Relation<SnomedBodyRegion> | null;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
