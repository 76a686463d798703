import { EnvReader } from './env-reader';

export interface ServerConfig {
  host: string;
  port: number;
  /** Where the node keeps its embedded database, recording files, staging and identity. */
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Append the JSON log lines to this file instead of stdout. */
  logFile?: string;
  /** Public base URL peers use to reach this node (shown in registration responses). */
  publicUrl: string;
  /** gzip level for responses to clients that accept it; 0 turns compression off. */
  compressionLevel: number;
}

export function readServerConfig(env: EnvReader): ServerConfig {
  const port = env.int('PORT', 'HTTP port the node listens on', 3000, 0, 65535);
  return {
    host: env.str('HOST', 'interface to bind', '0.0.0.0'),
    port,
    dataDir: env.str('DATA_DIR', 'directory for the embedded database, files, staging and identity', './data/node'),
    logLevel: env.oneOf(
      'LOG_LEVEL',
      'log level',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    logFile: env.optional('LOG_FILE', 'append JSON log lines to this file instead of stdout'),
    publicUrl: env.str('PUBLIC_URL', 'base URL peers use to reach this node', `http://127.0.0.1:${port}`),
    compressionLevel: env.int('HTTP_COMPRESSION_LEVEL', 'gzip level (1 fast … 9 small) for clients that accept gzip; 0 = off', 1, 0, 9),
  };
}
