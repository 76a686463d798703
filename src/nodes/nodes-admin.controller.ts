import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Optional, Param, Post, Put, Query } from '@nestjs/common';
import { RequireUser, UserRole } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { invalidField } from '../core/validation';
import { certificateFingerprint, parseCertificate } from '../node-trust/crypto/certificates';
import { Fields } from '../core/http/fields';
import { AuthorizationStatus, NodeAccessLevelName, PEER_PROTOCOLS, PeerProtocol, ResearchNode } from './entities/research-node.entity';
import { toConnectionDto, toPage } from './node-connection.dto';
import { ConnectionFields, NodeRegistryService } from './node-registry.service';
import { LastSync, PeerSyncStatus } from './peer-sync-status.port';
import { levelFromWire, statusFromWire, statusToWire } from './node-wire';


function pageOf(query: Record<string, unknown>): { page: number; pageSize: number } {
  const page = query.page === undefined ? 1 : Number(query.page);
  const pageSize = query.pageSize === undefined ? 10 : Number(query.pageSize);
  if (!Number.isInteger(page) || page < 1) throw invalidField('page', 'must be a positive integer');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw invalidField('pageSize', 'must be an integer between 1 and 1000');
  return { page, pageSize };
}

/** Optional connection fields from a (case-insensitive) body; enums numeric (or their names). */
function connectionFields(body: unknown): ConnectionFields {
  const f = new Fields(body);
  const fields: ConnectionFields = {};
  for (const [name, max] of [['nodeName', 200], ['nodeUrl', 500], ['contactInfo', 500], ['institutionDetails', 1000]] as const) {
    const value = f.raw(name);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > max) throw invalidField(name, `must be a string of at most ${max} characters`);
    fields[name] = value.trim();
  }
  if (fields.nodeName === '') throw invalidField('nodeName', 'must not be empty');
  if (fields.nodeUrl && !/^https?:\/\/\S+$/.test(fields.nodeUrl)) throw invalidField('nodeUrl', 'must be an http(s) URL');
  const status = f.raw('status');
  if (status !== undefined && status !== null) {
    fields.status = statusFromWire(status);
    if (!fields.status || fields.status === AuthorizationStatus.Unknown) throw invalidField('status', 'must be 1 (Authorized), 2 (Pending) or 3 (Revoked)');
  }
  const level = f.raw('nodeAccessLevel');
  if (level !== undefined && level !== null) {
    fields.nodeAccessLevel = levelFromWire(level);
    if (!fields.nodeAccessLevel) throw invalidField('nodeAccessLevel', 'must be 0 (ReadOnly), 1 (ReadWrite) or 2 (Admin)');
  }
  const protocol = f.raw('protocol');
  if (protocol !== undefined && protocol !== null) {
    if (!PEER_PROTOCOLS.includes(protocol as PeerProtocol)) throw invalidField('protocol', `must be one of ${PEER_PROTOCOLS.join(', ')}`);
    fields.protocol = protocol as PeerProtocol;
  }
  const certificate = f.str('certificate');
  if (certificate) {
    try {
      fields.certificate = parseCertificate(certificate).raw.toString('base64');
    } catch {
      throw invalidField('certificate', 'must be a base64 DER (or PEM) X.509 certificate');
    }
    fields.certificateFingerprint = certificateFingerprint(fields.certificate);
  }
  return fields;
}

/**
 * Registry administration for Admin users (reference NodeConnectionController paths under
 * /api/node, plus additive operator routes). Static paths are declared before `:id`.
 */
@ApiTags('nodes')
@Controller('api/node')
@RequireUser(UserRole.Admin)
export class NodesAdminController {
  constructor(
    private readonly registry: NodeRegistryService,
    @Optional() private readonly syncStatus?: PeerSyncStatus,
  ) {}

  private async dtos(nodes: ResearchNode[]) {
    const syncs = (await this.syncStatus?.lastSyncs(nodes.map((n) => n.id))) ?? new Map<string, LastSync>();
    return nodes.map((n) => toConnectionDto(n, syncs.get(n.id)));
  }

  private async dto(node: ResearchNode) {
    return (await this.dtos([node]))[0];
  }

  @ApiOperation({ summary: 'List the node registry' })
  @Get('nodes')
  async all() {
    return this.dtos((await this.registry.list()).items);
  }

  /**
   * As the reference (D18): every connection whatever its status, plus this node's own row (IRIS's
   * research form picks the research's node from this list; a fresh node has no peers yet).
   */
  @ApiOperation({ summary: 'Every connection (any status) and this node, with last sync date and status' })
  @Get('GetActiveNodeConnectionsPaginated')
  async active(@Query() query: Record<string, unknown>) {
    const { page, pageSize } = pageOf(query);
    const { items, total } = await this.registry.list({ page, pageSize, includeLocal: true });
    return toPage(await this.dtos(items), page, pageSize, total);
  }

  /** Pending registrations and, additively, known nodes with a requested change (`requestedChange`). */
  @ApiOperation({ summary: 'Pending registrations and requested changes' })
  @Get('GetAllUnaprovedPaginated')
  async unapproved(@Query() query: Record<string, unknown>) {
    const { page, pageSize } = pageOf(query);
    const { items, total } = await this.registry.list({ statuses: [AuthorizationStatus.Pending], withRequestedChange: true, page, pageSize });
    return toPage(await this.dtos(items), page, pageSize, total);
  }

  /**
   * A node connection: a peer to pull from, or a client node such as the IRIS desktop that will
   * identify with this certificate. As in the reference, the certificate and the URL are optional
   * (a connection without a certificate cannot identify; without a URL it cannot be pulled from).
   */
  @ApiOperation({ summary: 'Add a node connection (certificate and URL optional)' })
  @Post('NewConnection')
  @HttpCode(201)
  async newConnection(@Body() body: unknown) {
    const fields = connectionFields(body);
    if (!fields.nodeName) throw invalidField('nodeName', 'is required');
    if (fields.certificateFingerprint) {
      const existing = await this.registry.findByFingerprint(fields.certificateFingerprint);
      if (existing) throw new AppError(409, 'ERR_NODE_EXISTS', 'a node with this certificate is already registered', { details: { id: existing.id } });
    }
    const node = await this.registry.addConnection({
      ...fields,
      nodeName: fields.nodeName,
      certificate: fields.certificate ?? '',
      certificateFingerprint: fields.certificateFingerprint ?? null,
    });
    return this.dto(node);
  }

  @ApiOperation({ summary: 'Show a registry entry' })
  @Get(':id')
  async one(@Param('id') id: string) {
    return this.dto(await this.registry.require(id));
  }

  @ApiOperation({ summary: 'Update a registry entry' })
  @Put('Update/:id')
  async update(@Param('id') id: string, @Body() body: unknown) {
    return this.dto(await this.registry.update(id, connectionFields(body)));
  }

  @ApiOperation({ summary: 'Set the registration status' })
  @Put(':id/status')
  async setStatus(@Param('id') id: string, @Body() body: unknown) {
    const raw = new Fields(body).raw('status');
    const status = statusFromWire(raw);
    if (!status || status === AuthorizationStatus.Unknown) {
      throw new AppError(400, 'ERR_INVALID_STATUS', `Invalid status value: ${JSON.stringify(raw ?? null)}`, { shape: 'detail' });
    }
    await this.registry.update(id, { status });
    return { message: 'Node status updated successfully', id, status: statusToWire(status) };
  }

  /**
   * Pending → Authorized; optionally with the access level to grant (additive `nodeAccessLevel`).
   * A node with a requested change gets that change applied (its status unchanged unless Pending).
   */
  @ApiOperation({ summary: 'Approve a pending node or its requested change (optionally with an access level)' })
  @Post(':id/approve')
  @HttpCode(200)
  async approve(@Param('id') id: string, @Body() body: unknown) {
    const level = connectionFields(body).nodeAccessLevel;
    const node = await this.registry.require(id);
    if (node.requestedChange) {
      const changed = await this.registry.applyRequestedChange(id, level);
      return node.status === AuthorizationStatus.Pending ? this.transition(id, AuthorizationStatus.Authorized) : this.dto(changed);
    }
    return this.transition(id, AuthorizationStatus.Authorized, level);
  }

  /** Pending → Revoked; for a node with a requested change, the change is dropped and the node kept as it was. */
  @ApiOperation({ summary: 'Reject a pending node or its requested change' })
  @Post(':id/reject')
  @HttpCode(200)
  async reject(@Param('id') id: string) {
    const node = await this.registry.require(id);
    if (node.requestedChange) {
      const kept = await this.registry.dropRequestedChange(id);
      if (node.status !== AuthorizationStatus.Pending) return this.dto(kept);
    }
    return this.transition(id, AuthorizationStatus.Revoked);
  }

  /** Additive: revoke any node (its live sessions stop working at their next request). */
  @ApiOperation({ summary: 'Revoke a node' })
  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(@Param('id') id: string) {
    return this.dto(await this.registry.update(id, { status: AuthorizationStatus.Revoked }));
  }

  /** Additive: change the capability granted to a node (applies to its live sessions immediately). */
  @ApiOperation({ summary: 'Change the access level granted to a node' })
  @Put(':id/access-level')
  async accessLevel(@Param('id') id: string, @Body() body: unknown) {
    const level = connectionFields(body).nodeAccessLevel;
    if (!level) throw invalidField('nodeAccessLevel', 'is required: 0 (ReadOnly), 1 (ReadWrite) or 2 (Admin)');
    return this.dto(await this.registry.update(id, { nodeAccessLevel: level }));
  }

  private async transition(id: string, to: AuthorizationStatus, level?: NodeAccessLevelName) {
    const node = await this.registry.require(id);
    if (node.status !== AuthorizationStatus.Pending) {
      throw new AppError(400, 'ERR_INVALID_STATUS_TRANSITION', `node is ${node.status}; only Pending nodes can be ${to === AuthorizationStatus.Authorized ? 'approved' : 'rejected'}`, {
        details: { status: statusToWire(node.status) },
      });
    }
    return this.dto(await this.registry.update(id, { status: to, ...(level ? { nodeAccessLevel: level } : {}) }));
  }
}
