import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { ResearchNode } from '../../nodes/entities/research-node.entity';

@Entity({ name: 'research' })
@Index('ix_research_change', ['changeXid', 'id'])
export class Research extends SyncedEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Owning node (node-local: imported rows belong to the local node). */
  @Column({ name: 'research_node_id', type: 'uuid' })
  researchNodeId: string;

  @ManyToOne(() => ResearchNode, fk('CASCADE'))
  @joinOn('research_node_id')
  researchNode?: Relation<ResearchNode>;

  @Column({ type: 'varchar', length: 500 })
  title: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'start_date', type: 'timestamptz' })
  startDate: string;

  @Column({ name: 'end_date', type: 'timestamptz', nullable: true })
  endDate: string | null;

  @Column({ type: 'varchar', length: 50 })
  status: string;
}
