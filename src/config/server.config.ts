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
  /** HTTPS served by the node itself: PEM certificate + key files, or one PKCS#12 (PFX) file. */
  tls?: TlsFiles;
  /** Extra CA certificates (PEM) trusted, besides the system's, for https:// peers. */
  peerCaFile?: string;
}

export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  pfxFile?: string;
  /** Passphrase of the key or PFX file. */
  passphrase?: string;
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
  const tls = readTls(env);
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
    publicUrl: env.optional('PUBLIC_URL', 'base URL peers use to reach this node (default http(s)://127.0.0.1:PORT)') ?? `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    compressionLevel: env.int('HTTP_COMPRESSION_LEVEL', 'gzip level (1 fast … 9 small) for clients that accept gzip; 0 = off', 1, 0, 9),
    corsOrigins: readCorsOrigins(env),
    tls,
    peerCaFile: env.optional('PEER_CA_FILE', 'PEM file of CA (or self-signed peer) certificates trusted for https:// peers, in addition to the system CAs'),
  };
}

/** TLS_CERT_FILE + TLS_KEY_FILE, or TLS_PFX_FILE; none of them = plain HTTP. */
function readTls(env: EnvReader): TlsFiles | undefined {
  const certFile = env.optional('TLS_CERT_FILE', 'serve HTTPS: PEM certificate (chain) file; needs TLS_KEY_FILE');
  const keyFile = env.optional('TLS_KEY_FILE', 'serve HTTPS: PEM private key file of TLS_CERT_FILE');
  const pfxFile = env.optional('TLS_PFX_FILE', 'serve HTTPS: PKCS#12 (PFX) file with certificate and key (instead of TLS_CERT_FILE/TLS_KEY_FILE)');
  const passphrase = env.optional('TLS_PASSPHRASE', 'passphrase of TLS_KEY_FILE or TLS_PFX_FILE (secret)');
  if (!certFile && !keyFile && !pfxFile) return undefined;
  if (pfxFile && (certFile || keyFile)) env.problems.push('TLS_PFX_FILE cannot be combined with TLS_CERT_FILE/TLS_KEY_FILE: give one or the other');
  else if (!pfxFile && !(certFile && keyFile)) env.problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be given together');
  return { certFile, keyFile, pfxFile, passphrase };
}
