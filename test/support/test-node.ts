import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DynamicModule, Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { AGGREGATE_MODULES } from '../../src/aggregates';
import { AppConfig, testConfig } from '../../src/config';
import { entitiesFor } from '../../src/database/entities';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import { createApp } from '../../src/node';
import { createTestDatabase, TestDatabase } from './database';

export interface TestNode {
  app: NestExpressApplication;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  /** Base URL of the listening HTTP server. */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** A node with other aggregate modules than the product's, and the migrations their tables need. */
export interface NodeShape {
  aggregates?: (Type<unknown> | DynamicModule)[];
  /** Run after the template's migrations, before the node starts. */
  migrations?: Function[];
}

/**
 * One node in this process, on its own database cloned from the migrated template, its own data
 * directory and an ephemeral port. Settings are overridden with `env`-style keys.
 */
export async function startTestNode(env: Record<string, string> = {}, shape: NodeShape = {}): Promise<TestNode> {
  const label = env.NODE_ID ?? 'node';
  const db = await createTestDatabase(label);
  const dataDir = mkdtempSync(join(tmpdir(), `prism-${label}-`));
  const config = testConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    DB_MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    // Cheaper password hashes for the many test users (2^14 instead of 2^17); the production cost
    // and the rehash to it are tested in test/integration/users/passwords.int-spec.ts.
    PASSWORD_HASH_COST: '14',
    ...env,
  });
  const aggregates = shape.aggregates ?? AGGREGATE_MODULES;
  if (shape.migrations?.length) {
    const migrator = await new DataSource({ ...typeOrmOptions(config, db.url, entitiesFor(aggregates)), migrations: [...ALL_MIGRATIONS, ...shape.migrations] }).initialize();
    await migrator.runMigrations();
    await migrator.destroy();
  }
  const app = await createApp(config, db.url, aggregates);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const scheme = config.server.tls ? 'https' : 'http';
  config.server.publicUrl = env.PUBLIC_URL ?? `${scheme}://127.0.0.1:${port}`;
  return {
    app,
    config,
    db,
    dataSource: app.get(DataSource),
    url: `${scheme}://127.0.0.1:${port}`,
    dataDir,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
