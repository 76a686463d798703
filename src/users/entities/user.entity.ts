import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { UserRole } from '../../core/auth/access';
import { Researcher } from '../../research/entities/researcher.entity';

/** Operators and researchers who log in to this node (not synced). */
@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Index('uq_users_login', { unique: true })
  @Column({ type: 'text' })
  login: string;

  /** scrypt hash in the form `scrypt$N$r$p$salt$hash` (base64 parts). */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: UserRole;

  /** Optional link to a researcher profile (FK researcher, SET NULL). */
  @Column({ name: 'researcher_id', type: 'uuid', nullable: true })
  researcherId: string | null;

  @ManyToOne(() => Researcher, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'researcher_id' })
  researcher?: Relation<Researcher> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
