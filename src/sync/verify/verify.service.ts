import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inSnapshot } from '../../core/database/transaction';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { q } from '../../core/sync-kernel/sql';
import { SyncedFiles } from '../files/synced-files.port';
import { contentColumns } from '../import/import-sql';

export interface TableDigest {
  table: string;
  rows: number;
  digest: string;
}

export interface VerifyReport {
  generatedAt: string;
  aggregates: Record<string, { rows: number; digest: string; tables: TableDigest[] }>;
  files: { referenced: number; missing: string[]; digest: string };
  digest: string;
}

/**
 * Per-table and per-aggregate digests of the synced content (every column both nodes must agree
 * on, in key order), so two nodes can prove they hold the same data (GET /api/sync/verify).
 */
@Injectable()
export class VerifyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: SyncCatalog,
    private readonly files: SyncedFiles,
  ) {}

  async report(): Promise<VerifyReport> {
    const aggregates: VerifyReport['aggregates'] = {};
    // One snapshot for every table, so the report is consistent.
    const hashes = await inSnapshot(this.dataSource, async (runner) => {
      for (const model of this.catalog.tables()) {
        const columns = contentColumns(model).map((c) => `t.${q(c.column)}`);
        const order = model.key.map((k) => `t.${q(k)}`).join(', ');
        const [row]: { rows: number; digest: string }[] = await runner.query(
          `SELECT count(*)::int AS rows, md5(coalesce(string_agg(md5(ROW(${columns.join(', ')})::text), '' ORDER BY ${order}), '')) AS digest
           FROM ${q(model.table)} t`,
        );
        const entry = (aggregates[model.aggregate] ??= { rows: 0, digest: '', tables: [] });
        entry.rows += row.rows;
        entry.tables.push({ table: model.table, rows: row.rows, digest: row.digest });
      }
      return this.catalog.files() ? this.files.referencedHashes(runner) : [];
    });
    const missing: string[] = [];
    for (const sha of hashes) if (!(await this.files.has(sha))) missing.push(sha);
    const combine = (parts: string[]) => createHash('md5').update(parts.join('|')).digest('hex');
    for (const entry of Object.values(aggregates)) entry.digest = combine(entry.tables.map((t) => `${t.table}:${t.digest}`));
    const files = { referenced: hashes.length, missing, digest: combine(hashes) };
    const names = Object.keys(aggregates).sort();
    return {
      generatedAt: new Date().toISOString(),
      aggregates,
      files,
      digest: combine([...names.map((n) => `${n}:${aggregates[n].digest}`), `files:${files.digest}`]),
    };
  }
}
