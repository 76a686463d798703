import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../../src/app.module';
import { AppConfig, testConfig } from '../../../src/config';
import { configureApp } from '../../../src/configure-app';
import { NodeAccessLevel, RequireCapability } from '../../../src/core/auth/access';
import { EncryptedChannel, SyncExportRoute } from '../../../src/node-trust/channel/encrypted-route';
import { RawJson } from '../../../src/core/http/raw-json';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** Test-only routes: a ReadWrite route, a sync route returning pre-serialised JSON, a handler error. */
@Controller('api/test-probe')
class ProbeController {
  @RequireCapability(NodeAccessLevel.ReadWrite)
  @EncryptedChannel()
  @Post('write')
  @HttpCode(200)
  write(@Body() body: unknown) {
    return { echoed: body };
  }

  @SyncExportRoute()
  @Get('sync')
  sync() {
    return new RawJson('{"rows":[1,2,3],"text":"\\u00e9"}');
  }

  @RequireCapability(NodeAccessLevel.ReadOnly)
  @EncryptedChannel()
  @Get('empty')
  empty() {
    return { ok: true };
  }
}

export interface ProbeNode {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  close(): Promise<void>;
}

export interface SharedStorage {
  db: TestDatabase;
  dataDir: string;
  drop(): Promise<void>;
}

/** One database + data directory that several instances (replicas of one node) can share. */
export async function sharedStorage(label: string): Promise<SharedStorage> {
  const db = await createTestDatabase(label);
  const dataDir = mkdtempSync(join(tmpdir(), `prism-${label}-`));
  return {
    db,
    dataDir,
    drop: async () => {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A whole node plus the probe routes, on the given storage. */
export async function startProbeNode(storage: SharedStorage, env: Record<string, string> = {}): Promise<ProbeNode> {
  const config = testConfig({
    NODE_ID: 'probe-node',
    DATA_DIR: storage.dataDir,
    DATABASE_URL: storage.db.url,
    DB_MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  @Module({ imports: [AppModule.register(config, storage.db.url)], controllers: [ProbeController] })
  class ProbeAppModule {}
  const app = await NestFactory.create<NestExpressApplication>(ProbeAppModule, { logger: false, bodyParser: false });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  config.server.publicUrl = url;
  return { app, url, config, close: () => app.close() };
}
