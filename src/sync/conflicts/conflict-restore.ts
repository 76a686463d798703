import { Injectable } from '@nestjs/common';
import type { ConflictRestoreResult } from '../../../client/src/types';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { inTransaction } from '../../core/database/transaction';
import { AppError } from '../../core/errors/app-error';
import { localNodeUuid } from '../../core/local-node';
import { timestampText } from '../../core/sync-kernel/sql';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { TableModel } from '../../core/sync-kernel/table-model';
import { keyColumns } from '../../core/sync-kernel/sql';
import { SyncedFiles } from '../files/synced-files.port';
import { currentRowSql, deleteRowSql, restoreRowSql } from './restore-sql';

type Version = Record<string, unknown> | null;

interface ArchivedConflict {
  tableName: string;
  rowKey: Record<string, unknown>;
  localVersion: Version;
  remoteVersion: Version;
  winner: 'local' | 'remote';
  rule: string;
  restoredAt: string | null;
  restoredBy: string | null;
}

/** The answer's shape is the SDK's (its types are the operator API's wire contract). */
export type RestoreResult = ConflictRestoreResult;

/**
 * Restores the losing version of an archived conflict as a NEW local edit: the trigger stamps it
 * now, so it wins on this node and, by the ordinary newer-wins rule, on every node that pulls it.
 * Refused when the row changed since the conflict was decided (the current version is returned),
 * and when the conflict was restored already.
 */
@Injectable()
export class ConflictRestore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: SyncCatalog,
    private readonly files: SyncedFiles,
    private readonly config: AppConfig,
  ) {}

  restore(conflictId: string, restoredBy: string): Promise<RestoreResult> {
    return inTransaction(this.dataSource, async (runner) => {
      const conflict = await this.lockConflict(runner, conflictId);
      if (conflict.restoredAt) {
        throw AppError.of('ERR_CONFLICT_ALREADY_RESTORED', `conflict ${conflictId} was restored at ${conflict.restoredAt} by ${conflict.restoredBy}`, {
          details: { restoredAt: conflict.restoredAt, restoredBy: conflict.restoredBy },
        });
      }
      if (!this.catalog.hasTable(conflict.tableName)) {
        throw AppError.of('ERR_CONFLICT_NOT_RESTORABLE', `table ${conflict.tableName} is no longer synced`);
      }
      if (conflict.rule === 'natural_key') {
        // Two rows kept, none lost: its "local version" is the other row, not an older version of this one.
        throw AppError.of('ERR_CONFLICT_NOT_RESTORABLE', `a natural_key conflict lost no version (both rows were kept); edit or merge the rows instead`);
      }
      const model = this.catalog.table(conflict.tableName);
      const [winning, losing] = conflict.winner === 'remote' ? [conflict.remoteVersion, conflict.localVersion] : [conflict.localVersion, conflict.remoteVersion];
      const key = keyColumns(model).map((k) => conflict.rowKey[k.column]);
      const current = await this.currentRow(runner, model, key, isRow(model, winning) ? String(winning.updatedAt) : null);
      const unchanged = isRow(model, winning) ? current !== null && current.unchanged : current === null;
      if (!unchanged) {
        throw AppError.of('ERR_CONFLICT_ROW_CHANGED', `the row changed after this conflict was decided; restore refused (see current)`, {
          details: { current: current?.row ?? null },
        });
      }
      let action: RestoreResult['action'];
      if (isRow(model, losing)) {
        await this.writeBack(runner, model, losing);
        action = 'written';
      } else {
        await runner.query(deleteRowSql(model), key);
        action = 'deleted';
      }
      const after = await this.currentRow(runner, model, key, null);
      const [{ at }]: { at: string }[] = await runner.query(
        // A SELECT around the UPDATE: TypeORM answers an UPDATE … RETURNING with [rows, count].
        `WITH u AS (UPDATE sync_conflicts SET restored_at = clock_timestamp(), restored_by = $2 WHERE id = $1 RETURNING restored_at)
         SELECT ${timestampText('u.restored_at')} AS at FROM u`,
        [conflictId, restoredBy],
      );
      return { conflictId, table: model.table, key: conflict.rowKey, action, row: after?.row ?? null, restoredAt: at, restoredBy };
    });
  }

  private async lockConflict(runner: QueryRunner, id: string): Promise<ArchivedConflict> {
    const rows: ArchivedConflict[] = await runner.query(
      `SELECT table_name AS "tableName", row_key AS "rowKey", local_version AS "localVersion", remote_version AS "remoteVersion", winner, rule,
              ${timestampText('restored_at')} AS "restoredAt", restored_by AS "restoredBy"
       FROM sync_conflicts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (rows.length === 0) throw AppError.of('ERR_NOT_FOUND', `no conflict ${id}`);
    return rows[0];
  }

  private async currentRow(runner: QueryRunner, model: TableModel, key: unknown[], winningUpdatedAt: string | null) {
    const rows: { row: Record<string, unknown>; unchanged: boolean | null }[] = await runner.query(currentRowSql(model), [...key, winningUpdatedAt]);
    return rows[0] ?? null;
  }

  private async writeBack(runner: QueryRunner, model: TableModel, version: Record<string, unknown>): Promise<void> {
    let locator = '';
    if (model.files) {
      const sha = version[model.files.hash.property];
      if (typeof sha === 'string' && sha !== '') {
        if (!(await this.files.has(sha))) {
          throw AppError.of('ERR_CONFLICT_NOT_RESTORABLE', `the file ${sha} of the losing version is not stored on this node`);
        }
        locator = this.files.locator(sha);
      }
    }
    try {
      await runner.query(restoreRowSql(model), [JSON.stringify(version), localNodeUuid(this.config.node.nodeId), locator]);
      // Deferred foreign keys: check now, inside the try, instead of at COMMIT.
      await runner.query('SET CONSTRAINTS ALL IMMEDIATE');
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw AppError.of('ERR_CONFLICT_NOT_RESTORABLE', `the losing version references a row that no longer exists here (restore that first)`, {
          details: { constraint: (error as { constraint?: string }).constraint },
        });
      }
      if ((error as { code?: string }).code === '23505') {
        throw AppError.of('ERR_CONFLICT_NOT_RESTORABLE', `the losing version duplicates a unique value another row now holds`, {
          details: { constraint: (error as { constraint?: string }).constraint },
        });
      }
      throw error;
    }
  }
}

/** A version that is a row (it has the key), not a delete marker like {deleted: true}. */
function isRow(model: TableModel, version: Version): version is Record<string, unknown> {
  return version !== null && keyColumns(model).every((k) => version[k.property] !== undefined && version[k.property] !== null);
}
