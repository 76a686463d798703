import { ResearchNode } from './entities/research-node.entity';
import { LastSync, REFERENCE_PROTOCOL_LIMIT } from './peer-sync-status.port';
import { levelToWire, statusToWire } from './node-wire';

/** Reference ResearchNodeConnectionDTO (numeric enums) plus additive fields. */
export function toConnectionDto(node: ResearchNode, sync?: LastSync) {
  return {
    id: node.id,
    nodeName: node.nodeName,
    nodeUrl: node.nodeUrl,
    status: statusToWire(node.status),
    nodeAccessLevel: levelToWire(node.nodeAccessLevel),
    contactInfo: node.contactInfo,
    certificate: node.certificate,
    certificateFingerprint: node.certificateFingerprint ?? '',
    institutionDetails: node.institutionDetails,
    registeredAt: node.registeredAt.toISOString(),
    updatedAt: node.updatedAt.toISOString(),
    lastSyncedAt: sync?.lastSyncedAt ?? null,
    lastSyncStatus: sync?.lastSyncStatus ?? null,
    /** Sync protocol the peer spoke at the last pull ("2", "reference"), and the limit that implies. */
    negotiatedProtocol: sync?.negotiatedProtocol ?? null,
    protocolLimit: sync?.negotiatedProtocol === 'reference' ? REFERENCE_PROTOCOL_LIMIT : null,
    lastClockSkewMs: sync?.lastClockSkewMs ?? null,
    protocolNodeId: node.protocolNodeId,
    lastAuthenticatedAt: node.lastAuthenticatedAt?.toISOString() ?? null,
    /** 'prism-node' (must sign channel transcripts) or 'reference' (an operator accepts it without). */
    protocol: node.protocol,
    /** When the peer first signed a channel transcript (from then on it must), or null. */
    transcriptSignedAt: node.transcriptSignedAt?.toISOString() ?? null,
    /** What this certificate asked for over the protocol, waiting for an Admin (approve/reject), or null. */
    requestedChange: node.requestedChange
      ? { ...node.requestedChange, nodeAccessLevel: levelToWire(node.requestedChange.nodeAccessLevel), requestedAt: node.requestedChangeAt?.toISOString() ?? null }
      : null,
  };
}

export type ConnectionDto = ReturnType<typeof toConnectionDto>;

/** Reference paginated shape used by IRIS (`data`, `currentPage`, `pageSize`, `totalRecords`). */
export function toPage<T>(data: T[], page: number, pageSize: number, totalRecords: number) {
  return { data, currentPage: page, pageSize, totalRecords, totalPages: Math.ceil(totalRecords / pageSize) };
}
