import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { ServerConfig, TlsFiles } from '../../config/server.config';

function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${name}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** The HTTPS server options of TLS_CERT_FILE + TLS_KEY_FILE or TLS_PFX_FILE (read at start). */
/** What Nest's `httpsOptions` takes of node:https's server options. */
export interface HttpsFiles {
  cert?: Buffer;
  key?: Buffer;
  pfx?: Buffer;
  passphrase?: string;
  minVersion: 'TLSv1.2';
}

export function httpsServerOptions(tls: TlsFiles): HttpsFiles {
  const passphrase = tls.passphrase;
  if (tls.pfxFile) return { pfx: readSetting('TLS_PFX_FILE', tls.pfxFile), passphrase, minVersion: 'TLSv1.2' };
  return { cert: readSetting('TLS_CERT_FILE', tls.certFile!), key: readSetting('TLS_KEY_FILE', tls.keyFile!), passphrase, minVersion: 'TLSv1.2' };
}

/**
 * The agent of every request to a peer: the system CAs plus PEER_CA_FILE (a private CA, or a peer's
 * self-signed certificate), certificate and host name always verified. Undefined without PEER_CA_FILE
 * (the default agent, system CAs).
 */
export function peerHttpsAgent(server: Pick<ServerConfig, 'peerCaFile'>): HttpsAgent | undefined {
  if (!server.peerCaFile) return undefined;
  // Kept alive as the default agents are: a pull makes a request per page and per file, and a new
  // agent would otherwise pay a TCP and TLS handshake for each.
  return new HttpsAgent({ ca: [...rootCertificates, readSetting('PEER_CA_FILE', server.peerCaFile).toString('utf8')], minVersion: 'TLSv1.2', keepAlive: true });
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

/** The start-up warning of a plain-HTTP listener reachable from other machines, or undefined. */
export function plainHttpWarning(server: Pick<ServerConfig, 'host' | 'tls'>): string | undefined {
  if (server.tls || LOOPBACK.test(server.host)) return undefined;
  return (
    `plain HTTP on ${server.host}: user passwords and tokens cross the network unencrypted. ` +
    'Set TLS_CERT_FILE + TLS_KEY_FILE (or TLS_PFX_FILE), put a TLS proxy in front and set HOST=127.0.0.1, or accept the risk on a trusted network'
  );
}
