import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Registration states; numeric on the wire, strings in the database (prism-reference.md §2.0). */
export enum AuthorizationStatus {
  Unknown = 'Unknown',
  Authorized = 'Authorized',
  Pending = 'Pending',
  Revoked = 'Revoked',
}

export const AUTHORIZATION_STATUS_WIRE: Record<AuthorizationStatus, number> = {
  [AuthorizationStatus.Unknown]: 0,
  [AuthorizationStatus.Authorized]: 1,
  [AuthorizationStatus.Pending]: 2,
  [AuthorizationStatus.Revoked]: 3,
};

/** Access levels; ordinal on the wire (ReadOnly=0, ReadWrite=1, Admin=2), strings in the database. */
/**
 * How a peer proves who it is: 'prism-node' peers sign the channel transcript (the additive
 * extension, docs/security.md); 'reference' marks a peer an operator accepts without it (a
 * reference node). Set by operators only.
 */
export type PeerProtocol = 'prism-node' | 'reference';
export const PEER_PROTOCOLS: readonly PeerProtocol[] = ['prism-node', 'reference'];

/** What a known certificate asked for over the protocol; applied only when an Admin approves it. */
export interface RequestedChange {
  nodeName: string;
  nodeUrl: string;
  contactInfo: string;
  institutionDetails: string;
  protocolNodeId: string | null;
  nodeAccessLevel: NodeAccessLevelName;
}

export enum NodeAccessLevelName {
  ReadOnly = 'ReadOnly',
  ReadWrite = 'ReadWrite',
  Admin = 'Admin',
}

/**
 * The node registry (reference table research_nodes): nodes that registered with us and peers we
 * added to pull from, plus one row for this node itself (`is_local`), which owns the local data
 * (research_node_id of volunteers, researchers, research).
 */
@Entity({ name: 'research_nodes' })
@Index('ix_research_nodes_status', ['status'])
@Index('ix_research_nodes_access_level', ['nodeAccessLevel'])
@Index('ix_research_nodes_registered_at', ['registeredAt'])
@Index('ix_research_nodes_last_authenticated_at', ['lastAuthenticatedAt'])
@Check('ck_research_nodes_protocol', `"protocol" IN ('prism-node', 'reference')`)
export class ResearchNode {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** The node's protocol id (NodeIdentifyRequest.nodeId, e.g. "node-a"), when known. */
  @Column({ name: 'protocol_node_id', type: 'varchar', length: 100, nullable: true })
  protocolNodeId: string | null;

  @Column({ name: 'node_name', type: 'varchar', length: 200 })
  nodeName: string;

  /** Base64 DER of the node's X.509 certificate ('' for a connection added without one). */
  @Column({ type: 'text' })
  certificate: string;

  /** Base64 SHA-256 of the certificate DER: the registry's natural key; null without a certificate. */
  @Index('uq_research_nodes_certificate_fingerprint', { unique: true })
  @Column({ name: 'certificate_fingerprint', type: 'varchar', length: 100, nullable: true })
  certificateFingerprint: string | null;

  @Column({ name: 'node_url', type: 'varchar', length: 500, default: '' })
  nodeUrl: string;

  @Column({ type: 'varchar', length: 50, default: AuthorizationStatus.Pending })
  status: AuthorizationStatus;

  @Column({ name: 'node_access_level', type: 'varchar', length: 50, default: NodeAccessLevelName.ReadOnly })
  nodeAccessLevel: NodeAccessLevelName;

  @Column({ name: 'contact_info', type: 'varchar', length: 500, default: '' })
  contactInfo: string;

  @Column({ name: 'institution_details', type: 'varchar', length: 1000, default: '' })
  institutionDetails: string;

  @Column({ name: 'registered_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  registeredAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;

  @Column({ name: 'last_authenticated_at', type: 'timestamptz', nullable: true })
  lastAuthenticatedAt: Date | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;

  /** A change this certificate requested over the protocol, waiting for an Admin (null: none). */
  @Column({ name: 'requested_change', type: 'jsonb', nullable: true })
  requestedChange: RequestedChange | null;

  @Column({ name: 'requested_change_at', type: 'timestamptz', nullable: true })
  requestedChangeAt: Date | null;

  /** See PeerProtocol. */
  @Column({ type: 'varchar', length: 20, default: 'prism-node' })
  protocol: PeerProtocol;

  /** When the peer first signed a channel transcript; from then on it must always sign (no downgrade). */
  @Column({ name: 'transcript_signed_at', type: 'timestamptz', nullable: true })
  transcriptSignedAt: Date | null;

  /** True only for this node's own row. */
  @Column({ name: 'is_local', type: 'boolean', default: false })
  isLocal: boolean;
}
