import 'reflect-metadata';
import type { Server } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, redact } from './config';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { httpsServerOptions, plainHttpWarning } from './core/http/tls';
import { EmbeddedDatabase, EmbeddedStartOptions } from './database/embedded-postgres';
import { PinoNestLogger, ROOT_LOGGER } from './observability/logging';

/** How long a stopping node lets open HTTP connections finish before it cuts them: within `docker stop`'s 10 s. */
const HTTP_CLOSE_GRACE_MS = 7_000;

export interface RunningNode {
  app: INestApplication;
  config: AppConfig;
  databaseUrl: string;
  /** Base URL the HTTP server actually listens on (resolves port 0). */
  url: string;
  close(): Promise<void>;
}

/**
 * Resolves the database: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR/pg — the node's and the
 * CLI's one way to reach it. With `attachToRunning` (the CLI) the server a running node started on
 * that data directory is used as it is.
 */
export async function openDatabase(config: AppConfig, options: EmbeddedStartOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  if (config.database.url) return { url: config.database.url, close: async () => undefined };
  const embedded = new EmbeddedDatabase(config.server.dataDir, config.database.embeddedPort);
  const url = await embedded.start(options);
  return { url, close: () => embedded.stop() };
}

/** Creates the Nest application for a config and database (not listening yet). */
export async function createApp(config: AppConfig, databaseUrl: string, aggregates?: Parameters<typeof AppModule.register>[2]): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, databaseUrl, aggregates), {
    httpsOptions: config.server.tls ? httpsServerOptions(config.server.tls) : undefined,
    // Body parsers are registered by configureApp, sized per caller (json-bodies.ts).
    bodyParser: false,
    bufferLogs: config.server.logLevel !== 'silent',
    logger: config.server.logLevel === 'silent' ? false : undefined,
  });
  // Nest's Logger (every `new Logger(...)` of the modules) writes through pino: JSON lines.
  if (config.server.logLevel !== 'silent') app.useLogger(new PinoNestLogger(app.get(ROOT_LOGGER)));
  configureApp(app, config);
  return app;
}

/** Starts a whole node: database (embedded when needed), migrations, HTTP server. */
export async function startNode(config: AppConfig, options: Pick<EmbeddedStartOptions, 'ownSignals'> = {}): Promise<RunningNode> {
  const logger = new Logger('Node');
  const database = await openDatabase(config, options);
  let app: NestExpressApplication | undefined;
  try {
    logger.log(`database ${redact(database.url)}`);
    app = await createApp(config, database.url);
    await app.listen(config.server.port, config.server.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `${config.server.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  logger.log(`node "${config.node.nodeId}" listening on ${url}`);
  const warning = plainHttpWarning(config.server);
  if (warning) logger.warn(warning);
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    databaseUrl: database.url,
    url,
    close: () => {
      closing ??= (async () => {
        // Running jobs are cancelled first (SyncJobs), then the server closes: whatever connection is
        // still open after the grace (an event stream, a peer's download) is cut.
        const server = app!.getHttpServer() as Server;
        const cut = setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
        try {
          await app!.close();
        } finally {
          clearTimeout(cut);
        }
        await database.close();
      })();
      return closing;
    },
  };
}
