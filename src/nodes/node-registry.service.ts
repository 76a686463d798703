import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, FindOptionsWhere, In, IsNull, Not, Repository } from 'typeorm';
import { AppError } from '../core/errors/app-error';
import { isUuid } from '../core/uuid';
import { localNodeUuid } from '../core/local-node';
import { AuthorizationStatus, NodeAccessLevelName, RequestedChange, ResearchNode } from './entities/research-node.entity';
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
  /** The registrant signed this channel's transcript (verified by the caller). */
  transcriptSigned?: boolean;
}

export interface RegistrationLimits {
  maxPending: number;
  pendingTtlHours: number;
}

export interface RegistrationOutcome {
  /** The registry row as it is (a known certificate's row is never changed by a registration). */
  node: ResearchNode;
  created: boolean;
  /** The row has a requested change waiting for an Admin. */
  changeRequested: boolean;
}

/** The part of a request that differs from the row (a lower or equal level is no change), or undefined. */
function changeAgainst(node: ResearchNode, requested: RequestedChange): RequestedChange | undefined {
  const raisesLevel = levelToWire(requested.nodeAccessLevel) > levelToWire(node.nodeAccessLevel);
  const differs =
    requested.nodeName !== node.nodeName ||
    requested.nodeUrl !== node.nodeUrl ||
    requested.contactInfo !== node.contactInfo ||
    requested.institutionDetails !== node.institutionDetails ||
    (requested.protocolNodeId !== null && requested.protocolNodeId !== node.protocolNodeId);
  if (!raisesLevel && !differs) return undefined;
  return {
    ...requested,
    protocolNodeId: requested.protocolNodeId ?? node.protocolNodeId,
    nodeAccessLevel: raisesLevel ? requested.nodeAccessLevel : node.nodeAccessLevel,
  };
}

function sameChange(a: RequestedChange, b: RequestedChange | null): boolean {
  return !!b && (Object.keys(a) as (keyof RequestedChange)[]).every((k) => a[k] === b[k]);
}

export interface LocalNodeIdentity {
  nodeId: string;
  nodeName: string;
  certificateDer: string;
  fingerprint: string;
  publicUrl: string;
}

export type ConnectionFields = Partial<
  Pick<
    ResearchNode,
    | 'nodeName'
    | 'nodeUrl'
    | 'contactInfo'
    | 'institutionDetails'
    | 'status'
    | 'nodeAccessLevel'
    | 'certificate'
    | 'certificateFingerprint'
    | 'protocol'
    | 'protocolNodeId'
    | 'requestedChange'
    | 'requestedChangeAt'
  >
>;

/** The registry columns a node session depends on (see `sessionGrant`). */
export type SessionGrant = Pick<ResearchNode, 'status' | 'nodeAccessLevel' | 'certificateFingerprint'>;

/** The registry columns a pull from a peer depends on (see `pullTarget`). */
export type PullTargetRow = Pick<ResearchNode, 'id' | 'nodeName' | 'nodeUrl' | 'certificate' | 'status' | 'nodeAccessLevel'>;

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

  /**
   * What a pull from a peer needs of its row (PeerDirectory's checks and the target): one indexed
   * row, six columns, no entity load — it runs on every pull, as `sessionGrant` on every request.
   */
  async pullTarget(id: string): Promise<PullTargetRow | null> {
    if (!isUuid(id)) return null;
    const rows: PullTargetRow[] = await this.dataSource.query(
      `SELECT id, node_name AS "nodeName", node_url AS "nodeUrl", certificate, status, node_access_level AS "nodeAccessLevel"
         FROM research_nodes WHERE id = $1 AND NOT is_local`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * What a live session of a peer may still do, read fresh on every request (revocation and level
   * changes must bite at once on every replica): one indexed row, three columns, no entity load —
   * the session check runs on every protocol request (a TypeORM `findOneBy` cost ~4 ms of CPU each).
   * Null for a malformed id, an unknown id or the local row.
   */
  /**
   * `sessionGrant` as an SQL expression (json, NULL when there is no row), for a statement that
   * reads it beside its own work (a node session's PendingGrant); `sessionGrantOf` reads its value.
   */
  sessionGrantSql(idParam: string): string {
    return `(SELECT json_build_object('status', status, 'nodeAccessLevel', node_access_level, 'certificateFingerprint', certificate_fingerprint)
      FROM research_nodes WHERE id = ${idParam} AND NOT is_local)`;
  }

  /** The grant a `sessionGrantSql` expression read (null: no row, or not such a value). */
  sessionGrantOf(value: unknown): SessionGrant | null {
    if (!value || typeof value !== 'object') return null;
    const row = value as Record<string, unknown>;
    if (typeof row.status !== 'string' || typeof row.nodeAccessLevel !== 'string') return null;
    const fingerprint = typeof row.certificateFingerprint === 'string' ? row.certificateFingerprint : null;
    return { status: row.status as AuthorizationStatus, nodeAccessLevel: row.nodeAccessLevel as NodeAccessLevelName, certificateFingerprint: fingerprint };
  }

  async sessionGrant(id: string): Promise<SessionGrant | null> {
    if (!isUuid(id)) return null;
    const rows: { status: AuthorizationStatus; node_access_level: NodeAccessLevelName; certificate_fingerprint: string | null }[] =
      await this.dataSource.query(
        'SELECT status, node_access_level, certificate_fingerprint FROM research_nodes WHERE id = $1 AND NOT is_local',
        [id],
      );
    const row = rows[0];
    return row ? { status: row.status, nodeAccessLevel: row.node_access_level, certificateFingerprint: row.certificate_fingerprint } : null;
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
   * A registration over the protocol (reference RegisterNodeAsync, made safe): a new certificate
   * becomes a Pending row; a known one NEVER changes its row — other details or a higher level
   * become the row's requested change, which only an Admin applies (`applyRequestedChange`). A
   * Revoked certificate stays Revoked. Requests waiting for an Admin are bounded in total and
   * expire (`limits`), so anonymous callers cannot flood the approval list.
   */
  async register(input: RegistrationInput, limits: RegistrationLimits): Promise<RegistrationOutcome> {
    return this.dataSource.transaction(async (em) => {
      // One registration at a time: the total bound below is a count, not a constraint.
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('prism.node-registrations'))`);
      await this.expireRequests(em, limits.pendingTtlHours);
      const repo = em.getRepository(ResearchNode);
      const existing = await repo.findOne({ where: { certificateFingerprint: input.certificateFingerprint }, lock: { mode: 'pessimistic_write' } });
      if (existing?.isLocal) throw new AppError(400, 'ERR_REGISTRATION_FAILED', 'this certificate is the local node\'s own', { shape: 'detail' });
      if (existing?.status === AuthorizationStatus.Revoked) {
        throw new AppError(403, 'ERR_NODE_REVOKED', 'This node has been revoked; only an administrator of this node can authorize it again', { shape: 'detail' });
      }
      const requested: RequestedChange = {
        nodeName: input.nodeName,
        nodeUrl: input.nodeUrl,
        contactInfo: input.contactInfo,
        institutionDetails: input.institutionDetails,
        protocolNodeId: input.protocolNodeId,
        nodeAccessLevel: input.requestedLevel,
      };
      if (existing) {
        const change = changeAgainst(existing, requested);
        if (!change || sameChange(change, existing.requestedChange)) return { node: existing, created: false, changeRequested: !!existing.requestedChange };
        if (!existing.requestedChange) await this.requireRoomForRequest(em, limits.maxPending);
        await repo.update({ id: existing.id }, { requestedChange: change, requestedChangeAt: () => 'clock_timestamp()' });
        return { node: existing, created: false, changeRequested: true };
      }
      await this.requireRoomForRequest(em, limits.maxPending);
      const node = repo.create({
        id: randomUUID(),
        protocolNodeId: input.protocolNodeId,
        nodeName: input.nodeName,
        nodeUrl: input.nodeUrl,
        contactInfo: input.contactInfo,
        institutionDetails: input.institutionDetails,
        certificate: input.certificate,
        certificateFingerprint: input.certificateFingerprint,
        status: AuthorizationStatus.Pending,
        nodeAccessLevel: input.requestedLevel,
        transcriptSignedAt: input.transcriptSigned ? new Date() : null,
        isLocal: false,
      });
      return { node: await repo.save(node), created: true, changeRequested: false };
    });
  }

  /** Requests waiting for an Admin: Pending rows and rows with a requested change. */
  private async requireRoomForRequest(em: EntityManager, maxPending: number): Promise<void> {
    const [{ waiting }] = await em.query(
      `SELECT count(*)::int AS waiting FROM research_nodes WHERE NOT is_local AND (status = $1 OR requested_change IS NOT NULL)`,
      [AuthorizationStatus.Pending],
    );
    if (waiting >= maxPending) {
      throw new AppError(429, 'ERR_REGISTRATION_LIMIT', 'Too many registration requests are waiting for approval; try again later', { shape: 'detail', retryable: true });
    }
  }

  /**
   * Drops requests older than the TTL: requested changes, and Pending rows that never
   * authenticated and that no row references (the research_node_id foreign keys cascade, so a
   * referenced row is kept rather than taking data with it).
   */
  private async expireRequests(em: EntityManager, ttlHours: number): Promise<void> {
    await em.query(
      `UPDATE research_nodes SET requested_change = NULL, requested_change_at = NULL
        WHERE requested_change_at < clock_timestamp() - make_interval(hours => $1)`,
      [ttlHours],
    );
    const references: { tbl: string; col: string }[] = await em.query(
      `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'research_nodes'::regclass`,
    );
    const unreferenced = references.map((r) => `AND NOT EXISTS (SELECT 1 FROM ${r.tbl} x WHERE x."${r.col}" = rn.id)`).join(' ');
    await em.query(
      `DELETE FROM research_nodes rn
        WHERE NOT rn.is_local AND rn.status = $1 AND rn.last_authenticated_at IS NULL
          AND rn.registered_at < clock_timestamp() - make_interval(hours => $2) ${unreferenced}`,
      [AuthorizationStatus.Pending, ttlHours],
    );
  }

  /**
   * An Admin accepts the requested change: details replaced, the level raised to the requested
   * one (or `level`), the change cleared. Status unchanged (a Pending row is approved separately).
   */
  async applyRequestedChange(id: string, level?: NodeAccessLevelName): Promise<ResearchNode> {
    const node = await this.require(id);
    const change = node.requestedChange;
    if (!change) throw new AppError(409, 'ERR_NO_REQUESTED_CHANGE', 'this node has no requested change');
    return this.update(id, {
      nodeName: change.nodeName,
      nodeUrl: change.nodeUrl,
      contactInfo: change.contactInfo,
      institutionDetails: change.institutionDetails,
      protocolNodeId: change.protocolNodeId,
      nodeAccessLevel: level ?? change.nodeAccessLevel,
      requestedChange: null,
      requestedChangeAt: null,
    });
  }

  /** An Admin drops the requested change; the row stays as it was. */
  async dropRequestedChange(id: string): Promise<ResearchNode> {
    const node = await this.require(id);
    if (!node.requestedChange) throw new AppError(409, 'ERR_NO_REQUESTED_CHANGE', 'this node has no requested change');
    return this.update(id, { requestedChange: null, requestedChangeAt: null });
  }

  /** Records that the peer signed a channel transcript (first time only): from now on it must. */
  async markTranscriptSigned(id: string): Promise<void> {
    await this.repo.createQueryBuilder().update().set({ transcriptSignedAt: () => 'clock_timestamp()' }).where('id = :id AND transcript_signed_at IS NULL', { id }).execute();
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
    options: { statuses?: AuthorizationStatus[]; withRequestedChange?: boolean; page?: number; pageSize?: number; includeLocal?: boolean } = {},
  ): Promise<{ items: ResearchNode[]; total: number }> {
    const page = Math.max(1, options.page ?? 1);
    const pageSize = Math.min(Math.max(1, options.pageSize ?? 1000), 1000);
    const base: FindOptionsWhere<ResearchNode> = options.includeLocal ? {} : { isLocal: false };
    const where: FindOptionsWhere<ResearchNode>[] = [{ ...base, ...(options.statuses ? { status: In(options.statuses) } : {}) }];
    if (options.withRequestedChange) where.push({ ...base, requestedChange: Not(IsNull()) });
    const [items, total] = await this.repo.findAndCount({
      where,
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
