import { EnvReader } from './env-reader';

export interface DatabaseConfig {
  /** External PostgreSQL; when absent the node runs an embedded PostgreSQL in DATA_DIR/pg. */
  url?: string;
  embeddedPort: number;
  runMigrations: boolean;
  poolSize: number;
  /** Log SQL statements (development aid). */
  logQueries: boolean;
}

export function readDatabaseConfig(env: EnvReader): DatabaseConfig {
  return {
    url: env.url('DATABASE_URL', 'PostgreSQL URL; unset = embedded PostgreSQL in DATA_DIR/pg', [
      'postgres:',
      'postgresql:',
    ]),
    embeddedPort: env.int('EMBEDDED_PG_PORT', 'port of the embedded PostgreSQL (only when DATABASE_URL is unset)', 54320, 1, 65535),
    runMigrations: env.bool('DB_MIGRATIONS_RUN', 'apply pending migrations at start-up', true),
    poolSize: env.int('DB_POOL_SIZE', 'maximum PostgreSQL connections of this node', 10, 1, 200),
    logQueries: env.bool('DB_LOG_QUERIES', 'log every SQL statement', false),
  };
}
