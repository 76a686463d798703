import { Column, Entity, Index, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { fk, joinOn, SyncedEntity } from '../../core/sync-kernel/synced-entity';
import { ResearchNode } from '../../nodes/entities/research-node.entity';

/**
 * A research volunteer. Email and volunteer code are natural keys per origin node (SPEC §4): local
 * writes are refused a duplicate, a pull never (volunteers.sync-spec naturalKeys, enforced by a
 * trigger, not a unique index): different volunteers sharing them must never break a sync.
 */
@Entity({ name: 'volunteer' })
@Index('ix_volunteer_change', ['changeXid', 'volunteerId'])
@Index('ix_volunteer_origin_email', ['originNodeId', 'email'])
@Index('ix_volunteer_origin_code', ['originNodeId', 'volunteerCode'])
export class Volunteer extends SyncedEntity {
  @PrimaryColumn({ name: 'volunteer_id', type: 'uuid' })
  volunteerId: string;

  /** Owning node (node-local: imported rows belong to the local node). */
  @Column({ name: 'research_node_id', type: 'uuid' })
  researchNodeId: string;

  @ManyToOne(() => ResearchNode, fk('CASCADE'))
  @joinOn('research_node_id')
  researchNode?: Relation<ResearchNode>;

  @Column({ name: 'volunteer_code', type: 'varchar', length: 100 })
  volunteerCode: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  email: string;

  @Column({ name: 'birth_date', type: 'timestamptz' })
  birthDate: string;

  @Column({ type: 'varchar', length: 50 })
  gender: string;

  @Column({ name: 'blood_type', type: 'varchar', length: 10 })
  bloodType: string;

  @Column({ type: 'real', nullable: true })
  height: number | null;

  @Column({ type: 'real', nullable: true })
  weight: number | null;

  @Column({ name: 'consent_status', type: 'varchar', length: 50 })
  consentStatus: string;

  @Column({ name: 'enrolled_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  enrolledAt: string;
}
