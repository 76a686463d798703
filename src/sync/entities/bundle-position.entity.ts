import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { ResearchNode } from '../../nodes/entities/research-node.entity';

/**
 * Exporter side of offline bundles: per peer, the last change-feed position the peer confirmed it
 * applied (a signed acknowledgement file, or the cursor of its next online manifest). The next
 * bundle for that peer starts there, so it is a superset of every bundle not yet acknowledged.
 */
@Entity({ name: 'bundle_positions' })
export class BundlePosition {
  @PrimaryColumn({ name: 'peer_node_id', type: 'uuid' })
  peerNodeId: string;

  @ManyToOne(() => ResearchNode, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'peer_node_id' })
  peerNode?: Relation<ResearchNode>;

  /** The acknowledged change-feed cursor (an opaque token this node issued). */
  @Column({ type: 'text' })
  cursor: string;

  /** How it was confirmed: 'ack' (acknowledgement file) or 'pull' (the peer's online manifest). */
  @Column({ type: 'varchar', length: 20 })
  source: string;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  acknowledgedAt: Date;
}
