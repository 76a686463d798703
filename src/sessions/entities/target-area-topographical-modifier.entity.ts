import { Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { SnomedTopographicalModifier } from '../../snomed/entities/snomed-topographical-modifier.entity';
import { TargetArea } from './target-area.entity';

@Entity({ name: 'target_area_topographical_modifier' })
@Index('ix_target_area_topographical_modifier_change', ['changeXid', 'targetAreaId', 'topographicalModifierCode'])
export class TargetAreaTopographicalModifier extends SyncedEntity {
  @PrimaryColumn({ name: 'target_area_id', type: 'uuid' })
  targetAreaId: string;

  @PrimaryColumn({ name: 'topographical_modifier_code', type: 'varchar', length: 50 })
  topographicalModifierCode: string;

  @ManyToOne(() => TargetArea, fk('CASCADE'))
  @joinOn('target_area_id')
  targetArea?: Relation<TargetArea>;

  @ManyToOne(() => SnomedTopographicalModifier, fk('NO ACTION'))
  @joinOn('topographical_modifier_code')
  topographicalModifier?: Relation<SnomedTopographicalModifier>;
}
