import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { SnomedBodyRegion } from './snomed-body-region.entity';

@Entity({ name: 'snomed_body_structure' })
@Index('ix_snomed_body_structure_change', ['changeXid', 'snomedCode'])
export class SnomedBodyStructure extends SyncedEntity {
  @PrimaryColumn({ name: 'snomed_code', type: 'varchar', length: 50 })
  snomedCode: string;

  @Column({ name: 'body_region_code', type: 'varchar', length: 50 })
  bodyRegionCode: string;

  @ManyToOne(() => SnomedBodyRegion, fk('NO ACTION'))
  @joinOn('body_region_code')
  bodyRegion?: Relation<SnomedBodyRegion>;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  @Column({ name: 'structure_type', type: 'varchar', length: 100 })
  structureType: string;

  @Column({ name: 'parent_structure_code', type: 'varchar', length: 50, nullable: true })
  parentStructureCode: string | null;

  @ManyToOne(() => SnomedBodyStructure, fk('NO ACTION', true))
  @joinOn('parent_structure_code')
  parentStructure?: Relation<SnomedBodyStructure> | null;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
