import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { testConfig } from '../../../src/config';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { realCatalog, SyncedRowFactory } from '../../support/synced-rows';
import { call } from './http';
import type { E2ENode } from './process-cluster';

/** Bigger than two frames of the chunked cipher (1 MiB), so a stream can fail at start, middle or end. */
export const RECORDING_BYTES = 2.5 * 1024 * 1024;

/**
 * Writes a node's data straight into its database (as the node's own rows, triggers stamping them)
 * and uploads recordings over its HTTP API: a complete dataset with a row in every synced table.
 */
export class SourceData {
  private constructor(
    readonly node: E2ENode,
    readonly dataSource: DataSource,
    readonly catalog: SyncCatalog,
    readonly factory: SyncedRowFactory,
  ) {}

  static async open(node: E2ENode): Promise<SourceData> {
    const config = testConfig({ NODE_ID: node.proc.options.nodeId, DATABASE_URL: node.db.url });
    const dataSource = new DataSource({ ...typeOrmOptions(config, node.db.url), poolSize: 2 } as never);
    await dataSource.initialize();
    const catalog = realCatalog(dataSource);
    return new SourceData(node, dataSource, catalog, new SyncedRowFactory(catalog, node.proc.options.nodeId));
  }

  /** One row in every synced table (parents first), `extraRoots` more volunteers, and a recording. */
  async seed(extraRoots = 2): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.factory.ensureLocalNode(manager);
      for (const table of this.catalog.tables()) await this.factory.insert(manager, table);
      const volunteer = this.catalog.table('volunteer');
      for (let i = 0; i < extraRoots; i++) {
        const parent = this.factory.rows.get('volunteer')!;
        await this.factory.insert(manager, volunteer);
        this.factory.rows.set('volunteer', parent);
      }
    });
    await this.uploadRecording();
  }

  /** A new recording (new content, new SHA-256) for the seeded record channel. */
  async uploadRecording(bytes = RECORDING_BYTES): Promise<string> {
    const channel = this.factory.rows.get('record_channel')!;
    const res = await call(this.node.url, 'PUT', `/api/record-channels/${String(channel.id)}/file`, {
      token: this.node.admin,
      raw: randomBytes(bytes),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.fileSha256 as string;
  }

  /**
   * Changes every synced table (each row restamped, so every feed has pages in the next window), adds
   * a tombstone (a vital_signs row created and deleted) and, optionally, a new recording.
   */
  async change(options: { recording: boolean; extraRecordings?: number }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const table of this.catalog.tables()) await manager.query(`UPDATE "${table.table}" SET updated_at = updated_at`);
      const vitals = this.catalog.table('vital_signs');
      const parent = this.factory.rows.get('vital_signs');
      const row = await this.factory.insert(manager, vitals);
      const { where, params } = SyncedRowFactory.keyFilter(vitals, row);
      await manager.query(`DELETE FROM vital_signs WHERE ${where}`, params);
      if (parent) this.factory.rows.set('vital_signs', parent);
    });
    if (options.recording) await this.uploadRecording();
    for (let i = 0; i < (options.extraRecordings ?? 0); i++) {
      // A new channel (later uploads go to it), so the round brings one more file.
      await this.dataSource.transaction((manager) => this.factory.insert(manager, this.catalog.table('record_channel')));
      await this.uploadRecording();
    }
  }

  async close(): Promise<void> {
    await this.dataSource.destroy();
  }
}

/** SHA-256 over every file under a directory (relative path + content), '' when it does not exist. */
export function hashDirectory(dir: string, skip: (name: string) => boolean = () => false): string {
  const hash = createHash('sha256');
  const walk = (current: string) => {
    if (!existsSync(current)) return;
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (skip(name)) continue;
      else hash.update(`${relative(dir, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}
