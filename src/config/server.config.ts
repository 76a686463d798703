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
  /**
   * Browser origins allowed to call the API cross-origin (the IRIS desktop renderer): exact origins,
   * `null` (pages loaded from file://, e.g. packaged Electron), or `*` for any; empty = none.
   */
  corsOrigins: string[];
}

/** The IRIS desktop renderer: Vite/Electron dev servers and packaged Electron (`Origin: null`). */
export const DEFAULT_CORS_ORIGINS = 'http://localhost:5173,http://localhost:5174,null';

/** `a,b,c` → checked origins; `none` → []. Each entry must be `*`, `null` or a bare origin. */
function readCorsOrigins(env: EnvReader): string[] {
  const raw = env.str(
    'CORS_ORIGINS',
    'browser origins allowed cross-origin (comma-separated; null = file:// pages such as packaged Electron; * = any; none = no CORS)',
    DEFAULT_CORS_ORIGINS,
  );
  if (raw.trim().toLowerCase() === 'none') return [];
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*' || origin === 'null') continue;
    let canonical: string | undefined;
    try {
      canonical = new URL(origin).origin;
    } catch {
      canonical = undefined;
    }
    if (canonical !== origin) env.problems.push(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path or trailing slash), null or *`);
  }
  return origins;
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
    publicUrl: env.optional('PUBLIC_URL', 'base URL peers use to reach this node (default http://127.0.0.1:PORT)') ?? `http://127.0.0.1:${port}`,
    compressionLevel: env.int('HTTP_COMPRESSION_LEVEL', 'gzip level (1 fast … 9 small) for clients that accept gzip; 0 = off', 1, 0, 9),
    corsOrigins: readCorsOrigins(env),
  };
}
