import { Logger } from '@nestjs/common';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config';
import { ALL_MIGRATIONS } from '../../migrations';
import { ALL_ENTITIES } from './entities';

const poolLogger = new Logger('Database');

/**
 * The single TypeORM options factory, used by the app, the CLI data source (ormconfig.ts) and the
 * tests. The schema always comes from migrations: `synchronize` is never enabled.
 *
 * Every connection carries `prism.node_id`, which the change-tracking triggers use as the origin
 * of rows written locally, and `prism.max_clock_skew` (how far ahead of this node's clock a stamp
 * is not trusted: the triggers and the apply step), and runs in UTC so timestamps render the same
 * on every node.
 */
export function typeOrmOptions(config: AppConfig, url: string, entities: Function[] = ALL_ENTITIES): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: ALL_MIGRATIONS,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failed statements are not logged here: most are expected (a uniqueness clash becomes a 409);
    // the ones that are bugs reach the exception filter, which logs them with the request.
    logging: config.database.logQueries ? 'all' : config.server.logLevel === 'silent' ? false : ['warn', 'migration'],
    // An idle pooled connection the server closed (PostgreSQL stopping or restarted, a terminated
    // backend; the pool replaces it): one JSON warn line in the node's log, not TypeORM's plain
    // "Postgres pool raised an error" on stderr (four of them when Ctrl-C also reaches the embedded server).
    poolErrorHandler: (error: unknown) => poolLogger.warn(`a pooled database connection was closed: ${error instanceof Error ? error.message : String(error)}`),
    extra: {
      max: config.database.poolSize,
      options: `-c prism.node_id=${config.node.nodeId} -c prism.max_clock_skew=${config.sync.maxClockSkewSeconds}s -c TimeZone=UTC`,
    },
  };
}
