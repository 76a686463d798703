import { randomBytes, randomUUID } from 'node:crypto';
import { FieldProblem, validationError } from '../../core/validation';
import { ColumnModel } from '../../core/sync-kernel/table-model';

import { CompiledReferenceRoute } from './compiled-reference';
import { FillValue } from './reference-shape';

/** Who writes (reference `recordedBy`): the signed-in user's researcher, when linked. */
export interface Actor {
  researcherId?: string | null;
}

/** The reference writes the empty GUID when the user has no researcher. */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** A reference payload mapped to the resource's own property names, plus its code lists. */
export interface BoundBody {
  values: Record<string, unknown>;
  codeLists: Map<string, unknown>;
  /** The reference's own rules broken by the payload (reported with the engine's type checks). */
  problems: FieldProblem[];
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** System.Text.Json reads `YYYY-MM-DD` and zone-less date-times too; the node stores them as UTC. */
function referenceTimestamp(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (DATE_ONLY.test(value)) return `${value}T00:00:00Z`;
  if (NO_ZONE.test(value)) return `${value}Z`;
  return value;
}

export function fillValue(fill: FillValue, actor: Actor): unknown {
  if ('value' in fill) return fill.value;
  if ('json' in fill) return fill.json;
  if ('now' in fill) return new Date().toISOString();
  if ('uuid' in fill) return randomUUID();
  if ('volunteerCode' in fill) return `VC-${randomBytes(7).toString('hex').slice(0, 13).toUpperCase()}`;
  return actor.researcherId ?? EMPTY_GUID;
}

const isBlank = (value: unknown) => value === null || value === undefined || value === '';

/**
 * Binds a reference payload the way ASP.NET does: member names case-insensitively (PascalCase and
 * camelCase alike), unknown members ignored (the IRIS middleware adds channelId, sessionToken and
 * timestamp to every body). On update an empty or null member means "unchanged", as the reference.
 * The reference's required members, value lists and URL/date rules are collected here; the caller
 * reports them together with the engine's own type and length checks (one ERR_VALIDATION answer).
 */
export function bindReferenceBody(route: CompiledReferenceRoute, body: unknown, kind: 'create' | 'update', actor: Actor): BoundBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ field: '(body)', problems: ['must be a JSON object'] }]);
  }
  const { shape, resource } = route;
  // The removal marker of a link is the remove route's to set, never the payload's.
  const managed = new Set(shape.softRemove ? [shape.softRemove.activeWhenNull] : []);
  const writable = (kind === 'create' ? resource.creatable : resource.updatable).filter((c) => !managed.has(c.property));
  const byWire = new Map<string, ColumnModel>(writable.map((c) => [c.property.toLowerCase(), c]));
  for (const [wire, property] of Object.entries(shape.aliases ?? {})) {
    const column = writable.find((c) => c.property === property);
    if (column) byWire.set(wire.toLowerCase(), column);
  }
  const lists = new Map((shape.codeLists ?? []).map((l) => [l.field.toLowerCase(), l.field]));
  const values: Record<string, unknown> = {};
  const codeLists = new Map<string, unknown>();
  for (const [member, raw] of Object.entries(body)) {
    const list = lists.get(member.toLowerCase());
    if (list) {
      if (raw !== null && raw !== undefined) codeLists.set(list, raw);
      continue;
    }
    const column = byWire.get(member.toLowerCase());
    if (!column) continue;
    if (kind === 'update' && isBlank(raw)) continue;
    let value = raw;
    if (raw === '' && column.nullable && column.type !== 'text' && column.type !== 'character varying') value = null;
    if (column.type === 'timestamp with time zone') value = referenceTimestamp(value);
    if (shape.transforms?.[column.property] === 'stripDashes' && typeof value === 'string') value = value.replace(/-/g, '');
    values[column.property] = value;
  }
  const problems: FieldProblem[] = [];
  if (kind === 'create') {
    for (const [property, fill] of Object.entries(shape.defaults ?? {})) {
      if (isBlank(values[property])) values[property] = fillValue(fill, actor);
    }
    for (const property of shape.nonEmpty ?? []) {
      const value = values[property];
      if (typeof value !== 'string' || value.trim() === '') problems.push({ field: property, problems: ['is required and must not be empty'] });
    }
  } else {
    for (const property of shape.replaceOnUpdate ?? []) if (!(property in values)) values[property] = null;
  }
  for (const [property, allowed] of Object.entries(shape.oneOf ?? {})) {
    const value = values[property];
    if (value !== undefined && !allowed.includes(value as string)) problems.push({ field: property, problems: [`must be one of ${allowed.join(', ')}`] });
  }
  for (const property of shape.urls ?? []) {
    const value = values[property];
    if (value !== undefined && !isAbsoluteHttpUrl(value)) problems.push({ field: property, problems: ['must be an absolute http(s) URL'] });
  }
  for (const property of shape.notFuture ?? []) {
    const value = values[property];
    if (typeof value === 'string' && Date.parse(value) > Date.now() + 60_000) problems.push({ field: property, problems: ['must not be in the future'] });
  }
  return { values, codeLists, problems };
}

function isAbsoluteHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
