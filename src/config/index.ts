import { resolve } from 'node:path';
import { AuthConfig, readAuthConfig } from './auth.config';
import { DatabaseConfig, readDatabaseConfig } from './database.config';
import { ConfigError, EnvReader, SettingDoc } from './env-reader';
import { NodeIdentityConfig, readNodeIdentityConfig } from './node.config';
import { readServerConfig, ServerConfig } from './server.config';
import { readStorageConfig, StorageConfig } from './storage.config';
import { readSyncConfig, SyncConfig } from './sync.config';
import { readThrottleConfig, ThrottleConfig } from './throttle.config';
import { readTrustConfig, TrustConfig } from './trust.config';

export { ConfigError, redact } from './env-reader';

/**
 * The node's whole configuration, validated once. It is injected as a provider (token
 * `AppConfig`), never read from `process.env` elsewhere, so two nodes can run in one process.
 */
export abstract class AppConfig {
  abstract server: ServerConfig;
  abstract database: DatabaseConfig;
  abstract node: NodeIdentityConfig;
  abstract auth: AuthConfig;
  abstract storage: StorageConfig;
  abstract sync: SyncConfig;
  abstract throttle: ThrottleConfig;
  abstract trust: TrustConfig;
}

export type { ServerConfig, DatabaseConfig, NodeIdentityConfig, AuthConfig, StorageConfig, SyncConfig, ThrottleConfig, TrustConfig };

function readAll(env: Record<string, string | undefined>): { config: AppConfig; reader: EnvReader } {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader);
  server.dataDir = resolve(server.dataDir);
  const config: AppConfig = {
    server,
    database: readDatabaseConfig(reader),
    node: readNodeIdentityConfig(reader),
    auth: readAuthConfig(reader),
    storage: readStorageConfig(reader),
    sync: readSyncConfig(reader),
    throttle: readThrottleConfig(reader),
    trust: readTrustConfig(reader),
  };
  return { config, reader };
}

/** Reads and validates the configuration; throws one ConfigError naming every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const { config, reader } = readAll(env);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}

/** Every setting the node reads, with its description and default (for docs and checks). */
export function documentedSettings(): SettingDoc[] {
  return readAll({}).reader.documented;
}

/** Loads KEY=VALUE lines from ENV_FILE (default ./.env) into process.env when the file exists. */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  const file = env.ENV_FILE ?? '.env';
  try {
    process.loadEnvFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** For tests and tools: a configuration from defaults plus overrides, validated. */
export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig(overrides);
}
