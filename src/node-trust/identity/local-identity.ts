import { constants, createPrivateKey, KeyObject, privateDecrypt, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from '../../config';
import { certificateFingerprint, parseCertificate, signData } from '../crypto/certificates';

/** This node's protocol identity: node id, certificate and signing key. Provided as a Nest token. */
export class LocalIdentity {
  readonly certificateDer: string;
  readonly fingerprint: string;

  constructor(
    readonly nodeId: string,
    readonly nodeName: string,
    readonly certificate: X509Certificate,
    private readonly privateKey: KeyObject,
    /** Where the identity came from (for logs), e.g. "generated in /data/identity". */
    readonly source: string,
  ) {
    if (!certificate.checkPrivateKey(privateKey)) throw new Error('the node certificate does not match its private key');
    this.certificateDer = certificate.raw.toString('base64');
    this.fingerprint = certificateFingerprint(this.certificateDer);
  }

  /** RSA-SHA256 PKCS#1 v1.5 signature (base64) over UTF-8 data. */
  sign(data: string): string {
    return signData(this.privateKey, data);
  }

  /** Unwraps a key wrapped for this node's certificate with RSA-OAEP-SHA256 (offline bundles). */
  unwrapKey(wrapped: Buffer): Buffer {
    return privateDecrypt({ key: this.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
  }
}

export const IDENTITY_FILES = { certificate: 'node-cert.pem', privateKey: 'node-key.pem' } as const;

/** File path or inline value: a value that names an existing file is read from it. */
function readSource(value: string): Buffer {
  if (value.startsWith('-----BEGIN')) return Buffer.from(value, 'utf8');
  if (existsSync(value)) return readFileSync(value);
  return Buffer.from(value, 'base64');
}

function asCertificate(data: Buffer): X509Certificate {
  const text = data.toString('utf8');
  return text.includes('-----BEGIN') ? parseCertificate(text) : new X509Certificate(data);
}

/**
 * Loads the identity from configuration: NODE_PFX (+ password), or NODE_CERTIFICATE + NODE_PRIVATE_KEY
 * (PEM file or inline), else the generated identity in NODE_IDENTITY_DIR (default DATA_DIR/identity),
 * creating it on first start. The PKCS#12 and certificate generator (node-forge) is loaded only
 * for a PFX or a first start: a node that reuses its PEM files does not carry it.
 */
export async function loadLocalIdentity(config: AppConfig): Promise<LocalIdentity> {
  const node = config.node;
  if (node.pfx) {
    const { fromPkcs12 } = await import('./identity-generator.js');
    const pem = fromPkcs12(readSource(node.pfx), node.pfxPassword ?? '');
    return new LocalIdentity(node.nodeId, node.nodeName, parseCertificate(pem.certificatePem), createPrivateKey(pem.privateKeyPem), 'NODE_PFX');
  }
  if (node.certificate || node.privateKey) {
    if (!node.certificate || !node.privateKey) throw new Error('NODE_CERTIFICATE and NODE_PRIVATE_KEY must be set together');
    const key = createPrivateKey(readSource(node.privateKey));
    return new LocalIdentity(node.nodeId, node.nodeName, asCertificate(readSource(node.certificate)), key, 'NODE_CERTIFICATE');
  }
  const dir = resolve(node.identityDir ?? join(config.server.dataDir, 'identity'));
  const certPath = join(dir, IDENTITY_FILES.certificate);
  const keyPath = join(dir, IDENTITY_FILES.privateKey);
  let source = `reused from ${dir}`;
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const { generateSelfSignedIdentity } = await import('./identity-generator.js');
    writeIdentityFiles(dir, generateSelfSignedIdentity(node.nodeId));
    source = `generated in ${dir}`;
  }
  return new LocalIdentity(
    node.nodeId,
    node.nodeName,
    parseCertificate(readFileSync(certPath, 'utf8')),
    createPrivateKey(readFileSync(keyPath)),
    source,
  );
}

export function writeIdentityFiles(dir: string, identity: { certificatePem: string; privateKeyPem: string }): { certificate: string; privateKey: string } {
  mkdirSync(dir, { recursive: true });
  const certificate = join(dir, IDENTITY_FILES.certificate);
  const privateKey = join(dir, IDENTITY_FILES.privateKey);
  writeFileSync(privateKey, identity.privateKeyPem, { mode: 0o600 });
  writeFileSync(certificate, identity.certificatePem);
  return { certificate, privateKey };
}
