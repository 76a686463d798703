import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { RecordingStorage } from '../../recordings/storage/recording-storage';
import { contentColumns } from '../import/import-sql';
import { q } from '../../core/sync-kernel/sql';

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
    private readonly storage: RecordingStorage,
  ) {}

  async report(): Promise<VerifyReport> {
    const aggregates: VerifyReport['aggregates'] = {};
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // One snapshot for every table, so the report is consistent.
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
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
      const hashes: { sha: string }[] = await runner.query(
        `SELECT DISTINCT file_sha256 AS sha FROM record_channel WHERE file_sha256 IS NOT NULL ORDER BY 1`,
      );
      await runner.query('COMMIT');
      const missing: string[] = [];
      for (const { sha } of hashes) if (!(await this.storage.has(sha))) missing.push(sha);
      const combine = (parts: string[]) => createHash('md5').update(parts.join('|')).digest('hex');
      for (const entry of Object.values(aggregates)) entry.digest = combine(entry.tables.map((t) => `${t.table}:${t.digest}`));
      const files = { referenced: hashes.length, missing, digest: combine(hashes.map((h) => h.sha)) };
      const names = Object.keys(aggregates).sort();
      return {
        generatedAt: new Date().toISOString(),
        aggregates,
        files,
        digest: combine([...names.map((n) => `${n}:${aggregates[n].digest}`), `files:${files.digest}`]),
      };
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
