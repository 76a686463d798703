import { createPrivateKey, createSign, KeyObject } from 'node:crypto';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';

/**
 * The reference node's sync wire, as prism-reference.md §4 and the reference's SyncController /
 * SyncPullService describe it: fixed export routes, each a root entity with nested children, the
 * root's key property, paged `?since&page&pageSize`, `updated_at > since`, files as base64 JSON.
 */
export const REFERENCE_FEEDS: ReadonlyArray<{ route: string; key: string }> = [
  { route: 'snomed/body-regions', key: 'snomedCode' },
  { route: 'snomed/body-structures', key: 'snomedCode' },
  { route: 'snomed/lateralities', key: 'code' },
  { route: 'snomed/topographical-modifiers', key: 'code' },
  { route: 'snomed/severity-codes', key: 'code' },
  { route: 'snomed/clinical-conditions', key: 'snomedCode' },
  { route: 'snomed/clinical-events', key: 'snomedCode' },
  { route: 'snomed/medications', key: 'snomedCode' },
  { route: 'snomed/allergy-intolerances', key: 'snomedCode' },
  { route: 'volunteers', key: 'volunteerId' },
  { route: 'researchers', key: 'researcherId' },
  { route: 'devices', key: 'deviceId' },
  { route: 'research', key: 'id' },
  { route: 'sessions', key: 'id' },
];

/** The reference's page size when it pulls (SyncPullService). */
export const REFERENCE_PAGE_SIZE = 100;

/** Entity properties the reference maps to C# strings although the column is jsonb (serialized as JSON text). */
export const REFERENCE_JSON_STRING_FIELDS = ['characteristics', 'manifestations'];

export type WireRow = Record<string, unknown>;

export interface PagedSyncResult {
  data: WireRow[];
  page: number;
  pageSize: number;
  totalRecords: number;
  totalPages: number;
}

/** A node identity: certificate (base64 DER) and the RSA key that signs for it. */
export interface ReferenceIdentity {
  nodeId: string;
  nodeName: string;
  certificateDer: string;
  sign(data: string): string;
}

export function referenceIdentity(nodeId: string): ReferenceIdentity {
  const generated = generateSelfSignedIdentity(nodeId);
  const key: KeyObject = createPrivateKey(generated.privateKeyPem);
  return {
    nodeId,
    nodeName: nodeId,
    certificateDer: generated.certificateDer,
    sign: (data) => createSign('sha256').update(data, 'utf8').sign(key, 'base64'),
  };
}

/** .NET `DateTime.ToString("O")` of a UTC ISO timestamp: always 7 fractional digits (what the reference sends back as `since`). */
export function dotnetO(iso: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!match) throw new Error(`not a UTC ISO timestamp: ${iso}`);
  return `${match[1]}.${(match[2] ?? '').padEnd(7, '0').slice(0, 7)}Z`;
}

/** `a` is later than `b` (both UTC ISO timestamps, compared at .NET's 100 ns precision, not a JS Date's ms). */
export function isLater(a: string, b: string): boolean {
  return dotnetO(a) > dotnetO(b);
}
