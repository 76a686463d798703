import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { Researcher } from './researcher.entity';
import { Research } from './research.entity';

@Entity({ name: 'research_researcher' })
@Index('ix_research_researcher_change', ['changeXid', 'researchId', 'researcherId'])
export class ResearchResearcher extends SyncedEntity {
  @PrimaryColumn({ name: 'research_id', type: 'uuid' })
  researchId: string;

  @PrimaryColumn({ name: 'researcher_id', type: 'uuid' })
  researcherId: string;

  @ManyToOne(() => Research, fk('CASCADE'))
  @joinOn('research_id')
  research?: Relation<Research>;

  @ManyToOne(() => Researcher, fk('CASCADE'))
  @joinOn('researcher_id')
  researcher?: Relation<Researcher>;

  @Column({ name: 'is_principal', type: 'boolean', default: false })
  isPrincipal: boolean;

  @Column({ name: 'assigned_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  assignedAt: string;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: string | null;
}
