import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { ResearchNode } from '../../nodes/entities/research-node.entity';

/**
 * Email is a natural key per origin node (SPEC §4): local writes are refused a duplicate, a pull
 * never (researchers.sync-spec naturalKeys, enforced by a trigger, not a unique index).
 */
@Entity({ name: 'researcher' })
@Index('ix_researcher_change', ['changeXid', 'researcherId'])
@Index('ix_researcher_origin_email', ['originNodeId', 'email'])
export class Researcher extends SyncedEntity {
  @PrimaryColumn({ name: 'researcher_id', type: 'uuid' })
  researcherId: string;

  /** Owning node (node-local: imported rows belong to the local node). */
  @Column({ name: 'research_node_id', type: 'uuid' })
  researchNodeId: string;

  @ManyToOne(() => ResearchNode, fk('CASCADE'))
  @joinOn('research_node_id')
  researchNode?: Relation<ResearchNode>;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  email: string;

  @Column({ type: 'varchar', length: 300 })
  institution: string;

  @Column({ type: 'varchar', length: 100 })
  role: string;

  @Column({ type: 'varchar', length: 16 })
  orcid: string;
}
