import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { SnomedBodyStructure } from '../../snomed/entities/snomed-body-structure.entity';
import { SnomedLaterality } from '../../snomed/entities/snomed-laterality.entity';
import { RecordSession } from './record-session.entity';

/** The session's target area (1:1 with record_session at the reference's HEAD). */
@Entity({ name: 'target_area' })
@Index('ix_target_area_change', ['changeXid', 'id'])
// One per session for local writes (sessions.sync-spec naturalKeys, a trigger): two nodes giving a
// session a target area each make a collision a pull records, never a failed pull.
@Index('ix_target_area_record_session', ['recordSessionId'])
export class TargetArea extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'record_session_id', type: 'uuid' })
  recordSessionId: string;

  // ManyToOne on purpose: OneToOne would add a second, non-deferrable unique index.
  @ManyToOne(() => RecordSession, fk('CASCADE'))
  @joinOn('record_session_id')
  recordSession?: Relation<RecordSession>;

  @Column({ name: 'body_structure_code', type: 'varchar', length: 50 })
  bodyStructureCode: string;

  @ManyToOne(() => SnomedBodyStructure, fk('NO ACTION'))
  @joinOn('body_structure_code')
  bodyStructure?: Relation<SnomedBodyStructure>;

  @Column({ name: 'laterality_code', type: 'varchar', length: 50, nullable: true })
  lateralityCode: string | null;

  @ManyToOne(() => SnomedLaterality, fk('NO ACTION', true))
  @joinOn('laterality_code')
  laterality?: Relation<SnomedLaterality> | null;
}
