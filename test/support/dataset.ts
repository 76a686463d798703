import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { localNodeUuid } from '../../src/core/local-node';
import { CompiledResource } from '../../src/crud/compiled-resource';
import { CrudResources } from '../../src/crud/crud-resources';
import { ColumnModel } from '../../src/core/sync-kernel/table-model';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import type { TestNode } from './test-node';
import { bearer } from './users';

export type Row = Record<string, unknown>;

/**
 * Settings for a test node that takes many API calls from one client (the standard throttle is
 * 60/min per session or IP): pass to startTestNode together with your own.
 */
export const BULK_HTTP_ENV: Record<string, string> = { THROTTLE_STANDARD_PER_MINUTE: '1000000' };

/** Rows created so far, per table (the first row of a table is what children reference). */
export type RowsByTable = Map<string, Row[]>;

/** The local research_nodes row (node-trust upserts it at boot; tests insert it when that module is absent). */
export async function ensureLocalNodeRow(node: TestNode): Promise<string> {
  const id = localNodeUuid(node.config.node.nodeId);
  await node.dataSource.query(
    `INSERT INTO research_nodes (id, protocol_node_id, node_name, certificate, certificate_fingerprint, status, node_access_level, is_local)
     VALUES ($1, $2, $2, '', $3, 'Authorized', 'Admin', true) ON CONFLICT DO NOTHING`,
    [id, node.config.node.nodeId, `local:${node.config.node.nodeId}`],
  );
  return id;
}

let counter = 0;

/** A valid value for a column, unique enough for natural keys, with µs in timestamps. */
export function sampleValue(column: ColumnModel): unknown {
  const n = ++counter;
  const tag = `${n}${randomBytes(3).toString('hex')}`;
  switch (column.type) {
    case 'uuid':
      return crypto.randomUUID();
    case 'character varying':
    case 'text': {
      const text = /email/i.test(column.property) ? `p${tag}@example.org` : `${column.property}-${tag}`;
      return column.length ? text.slice(-column.length) : text;
    }
    case 'boolean':
      return n % 2 === 0;
    case 'real':
    case 'double precision':
      return 1.5 + (n % 50);
    case 'integer':
    case 'bigint':
      return 10 + (n % 1000);
    case 'timestamp with time zone':
      return `2026-0${1 + (n % 9)}-1${n % 10}T10:20:30.${String(100000 + (n % 899999)).padStart(6, '0')}Z`;
    case 'date':
      return `2026-01-1${n % 10}`;
    case 'jsonb':
      return { sample: n, tags: ['a', 'b'] };
  }
}

/** The column a FK column points at, or undefined. */
function referenceOf(r: CompiledResource, column: ColumnModel): { table: string; property: string } | undefined {
  const fk = r.model.foreignKeys.find((f) => f.columns.includes(column.column));
  if (!fk) return undefined;
  const referencedColumn = fk.referencedColumns[fk.columns.indexOf(column.column)];
  return { table: fk.referencedTable, property: referencedColumn };
}

function propertyOfColumn(node: TestNode, table: string, column: string): string {
  return node.app.get(SyncCatalog).table(table).columns.find((c) => c.column === column)!.property;
}

/**
 * A complete create body for a resource plus its path params: FK columns point at the first row of
 * the referenced table in `rows` (nullable ones stay null when there is none), other columns get
 * sample values. `fresh` overrides values (e.g. a newly created referenced row).
 */
export function sampleRequest(
  node: TestNode,
  r: CompiledResource,
  rows: RowsByTable,
  fresh: Record<string, unknown> = {},
): { path: Record<string, string>; body: Row } {
  const valueFor = (column: ColumnModel): unknown => {
    if (column.property in fresh) return fresh[column.property];
    const ref = referenceOf(r, column);
    if (!ref) return sampleValue(column);
    const target = rows.get(ref.table)?.[0];
    if (!target) {
      if (column.nullable) return null;
      throw new Error(`sample for ${r.def.name}: no ${ref.table} row yet for ${column.property}`);
    }
    return target[propertyOfColumn(node, ref.table, ref.property)];
  };
  const path = Object.fromEntries(r.scope.map((s) => [s.param, String(valueFor(s.column))]));
  const body = Object.fromEntries(r.creatable.filter((c) => !(c.primary && c.type === 'uuid' && r.model.key.length === 1)).map((c) => [c.property, valueFor(c)]));
  return { path, body };
}

/** `/api/…` for a resource path with params filled in. */
export function fillPath(template: string, params: Record<string, unknown>): string {
  return `/api/${template.replace(/:([A-Za-z][A-Za-z0-9]*)/g, (_m, name: string) => encodeURIComponent(String(params[name])))}`;
}

export function collectionUrl(r: CompiledResource, path: Record<string, unknown>): string {
  return fillPath(r.def.single ? r.def.path : r.def.path.replace(/\/:[A-Za-z][A-Za-z0-9]*$/, ''), path);
}

/** The item URL of a created row (its own values fill every param). */
export function itemUrl(r: CompiledResource, row: Row): string {
  return fillPath(r.def.path, row);
}

/** POSTs one sample row of a resource and records it. */
export async function createSample(
  node: TestNode,
  token: string,
  r: CompiledResource,
  rows: RowsByTable,
  fresh: Record<string, unknown> = {},
): Promise<Row> {
  const { path, body } = sampleRequest(node, r, rows, fresh);
  const res = await request(node.url).post(collectionUrl(r, path)).set(bearer(token)).send(body);
  if (res.status !== 201) throw new Error(`create ${r.def.name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  rows.set(r.model.table, [...(rows.get(r.model.table) ?? []), res.body]);
  return res.body as Row;
}

/** Every CRUD resource, parents before children (the sync catalog's apply order). */
export function resourcesInApplyOrder(node: TestNode): CompiledResource[] {
  return [...node.app.get(CrudResources).all()].sort((a, b) => a.model.applyOrder - b.model.applyOrder);
}

export interface Dataset {
  /** Every row created, per table, as the API returned it. */
  rows: RowsByTable;
  /** The recording file uploaded for the first record channel. */
  file: { recordChannelId: string; content: Buffer; sha256: string };
}

export const SAMPLE_RECORDING = Buffer.from(
  ['timestamp,value', ...Array.from({ length: 200 }, (_, i) => `${i * 4.65},${Math.sin(i / 7).toFixed(6)}`)].join('\n'),
);

/**
 * Builds a complete dataset purely over HTTP: every resource of the CRUD table in dependency order
 * (catalogs → volunteer with clinical data → research with devices, sensors and links → session with
 * target area + modifiers, records, channels, annotations), then uploads a recording file.
 */
export async function buildDatasetOverHttp(node: TestNode, token: string): Promise<Dataset> {
  await ensureLocalNodeRow(node);
  const rows: RowsByTable = new Map();
  for (const r of resourcesInApplyOrder(node)) await createSample(node, token, r, rows);
  const channel = rows.get('record_channel')![0];
  const upload = await request(node.url)
    .put(`/api/record-channels/${channel.id}/file`)
    .set(bearer(token))
    .set('Content-Type', 'text/csv')
    .send(SAMPLE_RECORDING);
  if (upload.status !== 200) throw new Error(`upload failed: ${upload.status} ${JSON.stringify(upload.body)}`);
  return { rows, file: { recordChannelId: String(channel.id), content: SAMPLE_RECORDING, sha256: upload.body.fileSha256 } };
}
