import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, Repository } from 'typeorm';
import { AppError } from '../core/errors/app-error';
import { isUuid } from '../core/uuid';
import { localNodeUuid } from '../core/local-node';
import { AuthorizationStatus, NodeAccessLevelName, ResearchNode } from './entities/research-node.entity';
import { levelToWire } from './node-wire';

export interface RegistrationInput {
  protocolNodeId: string | null;
  nodeName: string;
  certificate: string;
  certificateFingerprint: string;
  nodeUrl: string;
  contactInfo: string;
  institutionDetails: string;
  requestedLevel: NodeAccessLevelName;
}

export interface LocalNodeIdentity {
  nodeId: string;
  nodeName: string;
  certificateDer: string;
  fingerprint: string;
  publicUrl: string;
}

export type ConnectionFields = Partial<
  Pick<ResearchNode, 'nodeName' | 'nodeUrl' | 'contactInfo' | 'institutionDetails' | 'status' | 'nodeAccessLevel' | 'certificate' | 'certificateFingerprint'>
>;

/** The research_nodes registry: peers that registered with us, peers we pull from, and our own row. */
@Injectable()
export class NodeRegistryService {
  private readonly repo: Repository<ResearchNode>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ResearchNode);
  }

  /** A peer (never the local row) by certificate fingerprint. */
  findByFingerprint(fingerprint: string): Promise<ResearchNode | null> {
    return this.repo.findOneBy({ certificateFingerprint: fingerprint, isLocal: false });
  }

  /** A peer (never the local row) by registry id; undefined for a malformed id. */
  async findById(id: string): Promise<ResearchNode | null> {
    if (!isUuid(id)) return null;
    return this.repo.findOneBy({ id, isLocal: false });
  }

  /** Registry rows by id, this node's own row included (research projects belong to it). */
  async findMany(ids: string[]): Promise<ResearchNode[]> {
    const valid = [...new Set(ids)].filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
    return valid.length ? this.repo.findBy({ id: In(valid) }) : [];
  }

  async require(id: string): Promise<ResearchNode> {
    const node = await this.findById(id);
    if (!node) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `node ${id} not found`);
    return node;
  }

  /**
   * Reference RegisterNodeAsync: a new certificate becomes a Pending row with the requested level;
   * a known one has its details updated, and asking for a higher level than granted resets it to
   * Pending with that level.
   */
  async register(input: RegistrationInput): Promise<{ node: ResearchNode; created: boolean }> {
    return this.dataSource.transaction(async (em) => {
      const repo = em.getRepository(ResearchNode);
      const existing = await repo.findOne({ where: { certificateFingerprint: input.certificateFingerprint }, lock: { mode: 'pessimistic_write' } });
      if (existing?.isLocal) throw new AppError(400, 'ERR_REGISTRATION_FAILED', 'this certificate is the local node\'s own', { shape: 'detail' });
      const details = {
        protocolNodeId: input.protocolNodeId,
        nodeName: input.nodeName,
        nodeUrl: input.nodeUrl,
        contactInfo: input.contactInfo,
        institutionDetails: input.institutionDetails,
        updatedAt: new Date(),
      };
      if (!existing) {
        const node = repo.create({
          id: randomUUID(),
          ...details,
          certificate: input.certificate,
          certificateFingerprint: input.certificateFingerprint,
          status: AuthorizationStatus.Pending,
          nodeAccessLevel: input.requestedLevel,
          isLocal: false,
        });
        return { node: await repo.save(node), created: true };
      }
      Object.assign(existing, details);
      if (levelToWire(input.requestedLevel) > levelToWire(existing.nodeAccessLevel)) {
        existing.nodeAccessLevel = input.requestedLevel;
        existing.status = AuthorizationStatus.Pending;
      }
      return { node: await repo.save(existing), created: false };
    });
  }

  /** Upserts this node's own row (id = localNodeUuid(nodeId), is_local, Authorized, Admin). */
  async upsertLocal(identity: LocalNodeIdentity): Promise<void> {
    const id = localNodeUuid(identity.nodeId);
    const holder = await this.repo.findOneBy({ certificateFingerprint: identity.fingerprint });
    if (holder && holder.id !== id) {
      throw new Error(
        `this node's certificate already belongs to research_nodes row ${holder.id} (${holder.isLocal ? 'the local row of node id "' + holder.protocolNodeId + '"' : 'a peer'}); ` +
          'NODE_ID changed or the identity is shared with another node',
      );
    }
    await this.dataSource.query(
      `INSERT INTO research_nodes (id, protocol_node_id, node_name, certificate, certificate_fingerprint, node_url, status,
         node_access_level, is_local, registered_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, clock_timestamp(), clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET protocol_node_id = EXCLUDED.protocol_node_id, node_name = EXCLUDED.node_name,
         certificate = EXCLUDED.certificate, certificate_fingerprint = EXCLUDED.certificate_fingerprint,
         node_url = EXCLUDED.node_url, status = EXCLUDED.status, node_access_level = EXCLUDED.node_access_level,
         is_local = true, updated_at = clock_timestamp()
       WHERE (research_nodes.node_name, research_nodes.certificate, research_nodes.node_url, research_nodes.status,
              research_nodes.node_access_level, research_nodes.is_local)
         IS DISTINCT FROM (EXCLUDED.node_name, EXCLUDED.certificate, EXCLUDED.node_url, EXCLUDED.status,
              EXCLUDED.node_access_level, true)`,
      [
        id,
        identity.nodeId,
        identity.nodeName,
        identity.certificateDer,
        identity.fingerprint,
        identity.publicUrl,
        AuthorizationStatus.Authorized,
        NodeAccessLevelName.Admin,
      ],
    );
  }

  async markAuthenticated(id: string): Promise<void> {
    await this.repo.update({ id }, { lastAuthenticatedAt: () => 'clock_timestamp()' });
  }

  /** Peers (with `includeLocal`, also this node's row), newest first, optionally by status; paginated (page from 1). */
  async list(
    options: { statuses?: AuthorizationStatus[]; page?: number; pageSize?: number; includeLocal?: boolean } = {},
  ): Promise<{ items: ResearchNode[]; total: number }> {
    const page = Math.max(1, options.page ?? 1);
    const pageSize = Math.min(Math.max(1, options.pageSize ?? 1000), 1000);
    const [items, total] = await this.repo.findAndCount({
      where: { ...(options.includeLocal ? {} : { isLocal: false }), ...(options.statuses ? { status: In(options.statuses) } : {}) },
      order: { registeredAt: 'DESC', id: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items, total };
  }

  async update(id: string, fields: ConnectionFields): Promise<ResearchNode> {
    const node = await this.require(id);
    Object.assign(node, fields, { updatedAt: new Date() });
    return this.repo.save(node);
  }

  /** A peer this node wants to pull from (POST NewConnection): same table, added by an operator. */
  async addConnection(fields: Required<Pick<ConnectionFields, 'nodeName' | 'certificate' | 'certificateFingerprint'>> & ConnectionFields): Promise<ResearchNode> {
    const node = this.repo.create({
      id: randomUUID(),
      protocolNodeId: null,
      nodeUrl: '',
      contactInfo: '',
      institutionDetails: '',
      status: AuthorizationStatus.Authorized,
      nodeAccessLevel: NodeAccessLevelName.ReadOnly,
      ...fields,
      isLocal: false,
    });
    return this.repo.save(node);
  }
}
