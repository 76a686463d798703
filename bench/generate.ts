import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ColumnModel, TableModel } from '../src/core/sync-kernel/table-model';
import { SyncCatalog } from '../src/core/sync-kernel/sync-catalog';
import { q } from '../src/core/sync-kernel/sql';

/**
 * The benchmark dataset: rows for every synced table, generated generically from the sync catalog
 * (columns, types, keys, FKs) in dependency order and written straight into the source database
 * with COPY. Shapes follow the reference schema (prism-reference.md §3) per volunteer "unit";
 * a table the shapes do not know gets one row per unit, so new tables are covered too.
 * Everything is derived from the seed: the same seed and size give the same rows.
 */

/** Rows per volunteer (a "unit"); catalog tables (no FK to data) get a fixed, small count instead. */
const ROWS_PER_UNIT: Record<string, number> = {
  volunteer: 1,
  volunteer_clinical_conditions: 2,
  volunteer_medications: 1,
  volunteer_allergy_intolerances: 1,
  volunteer_clinical_events: 2,
  vital_signs: 2,
  record_session: 2,
  target_area: 2,
  target_area_topographical_modifier: 2,
  session_annotation: 2,
  record: 4,
  record_channel: 8,
  research_volunteer: 1,
  research: 0.05,
  application: 0.05,
  research_researcher: 0.15,
  research_device: 0.1,
  researcher: 0.05,
  device: 0.02,
  sensor: 0.08,
};

const WORDS = (
  'signal muscle biceps sensor electrode rest contraction baseline fatigue protocol left right upper lower ' +
  'arm forearm shoulder wrist study cohort consent trial session clinical normal mild moderate severe ' +
  'patient reading channel amplitude frequency recording notes follow-up stable review pending active'
).split(' ');

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  /** Total rows over all synced tables (approximate, ±1 %). */
  rows: number;
  seed: number;
  /** research_nodes id of the source node (FKs to the registry). */
  localNodeId: string;
}

export interface TablePlan {
  model: TableModel;
  count: number;
}

/** How many rows each table gets for a total size. */
export function plan(catalog: SyncCatalog, total: number): TablePlan[] {
  const tables = catalog.tables();
  const isCatalogTable = (t: TableModel) => !(t.table in ROWS_PER_UNIT) && t.foreignKeys.every((f) => f.referencedTable === t.table);
  const catalogs = tables.filter(isCatalogTable);
  const perUnit = tables.filter((t) => !isCatalogTable(t)).reduce((sum, t) => sum + (ROWS_PER_UNIT[t.table] ?? 1), 0);
  const catalogRows = Math.max(5, Math.min(500, Math.round(total / 2000)));
  const units = Math.max(1, (total - catalogs.length * catalogRows) / perUnit);
  const counts = new Map<string, number>();
  for (const model of tables) {
    let count = isCatalogTable(model) ? catalogRows : Math.max(1, Math.round(units * (ROWS_PER_UNIT[model.table] ?? 1)));
    // A link table keyed by its parents has at most one row per combination of them.
    const keyFks = model.foreignKeys.filter((f) => f.columns.every((c) => model.key.includes(c)));
    if (keyFks.length > 1) count = Math.min(count, keyFks.reduce((product, f) => product * (counts.get(f.referencedTable) ?? 1), 1));
    counts.set(model.table, count);
  }
  return tables.map((model) => ({ model, count: counts.get(model.table)! }));
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Built with join(), which makes one flat string: a template of slices is a tree of string parts in
 * V8 (~460 bytes a key instead of ~120), and the generator keeps millions of parent keys at 10M rows.
 */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 4 }, () => Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')).join('');
  return [hex.slice(0, 8), hex.slice(8, 12), `4${hex.slice(13, 16)}`, `${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

function phrase(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]);
  return out.join(' ');
}

function timestamp(base: number, i: number, random: () => number): string {
  const ms = base + i * 37_000 + Math.floor(random() * 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${pad(Math.floor(random() * 1_000_000), 6)}Z`;
}

/** COPY text format escaping. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** A realistic value for a plain (non-key, non-FK) column of row i. */
function plainValue(column: ColumnModel, i: number, random: () => number): unknown {
  const name = column.column;
  if (column.local === 'fileLocator') return '';
  if (name.startsWith('file_')) return null;
  if (column.nullable && random() < 0.3) return null;
  switch (column.type) {
    case 'uuid':
      return uuidFrom(random);
    case 'character varying':
    case 'text': {
      let text: string;
      if (/email/.test(name)) text = `user${i}.${Math.floor(random() * 1e6)}@example.org`;
      else if (/code|orcid/.test(name)) text = `${name.slice(0, 3).toUpperCase()}${i}`;
      else if (/signal_type|record_type/.test(name)) text = 'sEMG';
      else if (column.type === 'text' || (column.length ?? 0) > 1000) text = phrase(random, 8 + Math.floor(random() * 24));
      else text = `${phrase(random, 1 + Math.floor(random() * 3))} ${i}`;
      return column.length ? text.slice(0, column.length) : text;
    }
    case 'boolean':
      return random() < 0.5 ? 't' : 'f';
    case 'real':
    case 'double precision':
      return name === 'sampling_rate' ? 215 : Math.round(random() * 20000) / 100;
    case 'integer':
    case 'bigint':
      return name === 'samples_count' ? 64_500 + Math.floor(random() * 1000) : Math.floor(random() * 1000);
    case 'timestamp with time zone':
      return timestamp(Date.UTC(2025, 0, 1), i, random);
    case 'date':
      return new Date(Date.UTC(2024, 0, 1) + (i % 700) * 86_400_000).toISOString().slice(0, 10);
    case 'jsonb':
      return { intensity: Math.floor(random() * 10), notes: phrase(random, 3), tags: [phrase(random, 1), phrase(random, 1)] };
  }
}

/** How an FK column picks its parent: column `index` of the parent key; divisor > 0 = mixed radix. */
interface ForeignValue {
  table: string;
  index: number;
  divisor: number;
}

/** The key (string) values of each generated table, so children can reference them by index. */
type KeyStore = Map<string, string[][]>;

/** One COPY of a table's rows, in batches of `batch` rows (each batch its own transaction). */
async function copyTable(client: Client, model: TableModel, count: number, keys: KeyStore, keepKeys: boolean, options: GenerateOptions): Promise<void> {
  const random = prng(options.seed * 1000 + model.applyOrder);
  const columns = model.columns.filter((c) => !c.managed);
  const fkOf = new Map<string, ForeignValue>();
  // Composite keys of links: mixed-radix over the parents keeps every combination unique.
  const keyFks = model.foreignKeys.filter((f) => f.columns.every((c) => model.key.includes(c)));
  let divisor = 1;
  for (const fk of model.foreignKeys) {
    const keyed = keyFks.length > 1 && keyFks.includes(fk);
    fk.columns.forEach((column, index) => fkOf.set(column, { table: fk.referencedTable, index, divisor: keyed ? divisor : 0 }));
    if (keyed) divisor *= keys.get(fk.referencedTable)?.length ?? 1;
  }
  const rowKeys: string[][] = [];
  // A table with natural keys takes one advisory lock per row and key until its transaction ends
  // (prism_unique_natural_key): small batches stay within the lock table (max_locks_per_transaction × connections).
  const batch = model.naturalKeys?.length ? 2_000 : 50_000;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const stream = client.query(copyFrom(`COPY ${q(model.table)} (${columns.map((c) => q(c.column)).join(', ')}) FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let chunk = '';
    for (let i = start; i < end; i++) {
      const values: Record<string, unknown> = {};
      for (const column of columns) values[column.column] = valueOf(column, i, count, model, fkOf, keys, random, options);
      if (keepKeys) rowKeys.push(model.key.map((k) => String(values[k])));
      chunk += columns.map((c) => copyText(values[c.column])).join('\t') + '\n';
      if (chunk.length > 1 << 20) {
        if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
        chunk = '';
      }
    }
    stream.end(chunk);
    await done;
  }
  if (keepKeys) keys.set(model.table, rowKeys);
}

function valueOf(
  column: ColumnModel,
  i: number,
  count: number,
  model: TableModel,
  fkOf: Map<string, ForeignValue>,
  keys: KeyStore,
  random: () => number,
  options: GenerateOptions,
): unknown {
  const fk = fkOf.get(column.column);
  if (fk) {
    if (fk.table === 'research_nodes') return options.localNodeId;
    if (fk.table === model.table) return null; // self-references (catalog hierarchies) stay flat: roots
    const parents = keys.get(fk.table);
    if (!parents || parents.length === 0) return null; // a nullable back-edge to a table generated later
    if (column.nullable && fk.divisor === 0 && random() < 0.3) return null;
    // Children cluster under their parents (row i of n → parent i·P/n), so 1:1 stays injective.
    const parent = fk.divisor > 0 ? Math.floor(i / fk.divisor) % parents.length : Math.min(parents.length - 1, Math.floor((i * parents.length) / count));
    return parents[parent][fk.index];
  }
  if (column.primary && model.key.length === 1 && column.type !== 'uuid') return [model.table.slice(0, 3).toUpperCase(), pad(i, 7)].join('-');
  return plainValue(column, i, random);
}

/** Writes the whole dataset; returns rows per table. Tables must be empty. */
export async function generateRows(client: Client, catalog: SyncCatalog, options: GenerateOptions): Promise<Record<string, number>> {
  const keys: KeyStore = new Map();
  const counts: Record<string, number> = {};
  // Only referenced tables' keys are kept (children pick parents from them): at 10M rows, keeping
  // every table's keys would hold ~10M arrays in the bench process.
  const referenced = new Set(catalog.tables().flatMap((t) => t.foreignKeys.map((f) => f.referencedTable)));
  for (const { model, count } of plan(catalog, options.rows)) {
    await copyTable(client, model, count, keys, referenced.has(model.table), options);
    counts[model.table] = count;
  }
  await client.query('ANALYZE');
  return counts;
}

/**
 * Changes ~1 % of the rows of every synced table at the source (`round` picks which 1 %): a text
 * column gets new content where the table has one, otherwise the row is touched; the triggers stamp
 * change_xid and updated_at as for any local edit. Returns the number of rows changed.
 */
export async function changeRows(client: Client, catalog: SyncCatalog, round: number): Promise<number> {
  let changed = 0;
  for (const model of catalog.tables()) {
    const fkColumns = new Set(model.foreignKeys.flatMap((f) => f.columns));
    const editable = model.columns.find(
      (c) => !c.primary && !c.managed && !c.local && !fkColumns.has(c.column) && (c.type === 'text' || c.type === 'character varying') && !/email|code|orcid|file_/.test(c.column),
    );
    const set = editable
      ? `${q(editable.column)} = left('changed ${round} ' || coalesce(${q(editable.column)}, ''), ${editable.length ?? 100000})`
      : `updated_at = updated_at`;
    const result = await client.query(`UPDATE ${q(model.table)} SET ${set} WHERE ${changedRowsWhere(model, round)}`);
    changed += result.rowCount ?? 0;
  }
  return changed;
}

/** Which ~1 % of a table's rows `changeRows` changes in a round (by a hash of the key). */
export function changedRowsWhere(model: TableModel, round: number): string {
  const keyText = model.key.map((k) => `${q(k)}::text`).join(" || '|' || ");
  return `abs(hashtext(${keyText}) % 100) = ${round % 100}`;
}
