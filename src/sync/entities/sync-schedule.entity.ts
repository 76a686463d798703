import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, Relation } from 'typeorm';
import { ResearchNode } from '../../nodes/entities/research-node.entity';

/**
 * A connection's sync settings (schedule, push requests) and the scheduler's state for it (SPEC §7 "runs itself"): pull every
 * `intervalSeconds` (null = by hand only), back off after failures, pause after repeated permanent
 * ones. Owned by the sync module; one row per connection that ever had a schedule.
 */
@Entity({ name: 'sync_schedules' })
@Index('ix_sync_schedules_next_run_at', ['nextRunAt'])
export class SyncSchedule {
  @PrimaryColumn({ name: 'remote_node_id', type: 'uuid' })
  remoteNodeId: string;

  @OneToOne(() => ResearchNode, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'remote_node_id' })
  remoteNode?: Relation<ResearchNode>;

  /** Seconds between pulls; null: the schedule is off. */
  @Column({ name: 'interval_seconds', type: 'integer', nullable: true })
  intervalSeconds: number | null;

  /** When the scheduler runs the next pull (also a claim lease while one starts). */
  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt: Date | null;

  /** Failed scheduled pulls in a row (reset by a success). */
  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  /** Permanent failures (revoked, capability, schema…) in a row; at SYNC_SCHEDULE_PAUSE_AFTER the schedule pauses. */
  @Column({ name: 'permanent_failures', type: 'integer', default: 0 })
  permanentFailures: number;

  /** Why the scheduler stopped (code: message); null while active. Setting the schedule again resumes. */
  @Column({ name: 'paused_reason', type: 'text', nullable: true })
  pausedReason: string | null;

  /** Whether this peer may ask this node to pull from it now (POST /api/sync/pull-request); off by default. */
  @Column({ name: 'accept_push_requests', type: 'boolean', default: false })
  acceptPushRequests: boolean;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
