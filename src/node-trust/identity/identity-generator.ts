import forge from 'node-forge';
import { randomBytes } from 'node:crypto';

export interface GeneratedIdentity {
  certificatePem: string;
  privateKeyPem: string;
  /** base64 DER of the certificate (what identify/register send). */
  certificateDer: string;
}

/**
 * A self-signed node identity as the reference's CertificateHelper makes it: RSA-2048, CN = node
 * id, SHA-256, KeyUsage digitalSignature|keyEncipherment, EKU serverAuth, valid for 2 years.
 */
export function generateSelfSignedIdentity(nodeId: string, now = new Date()): GeneratedIdentity {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // Positive serial: first byte's high bit cleared.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime());
  cert.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + 2);
  const subject = [{ name: 'commonName', value: nodeId }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey),
    certificateDer: Buffer.from(der, 'binary').toString('base64'),
  };
}

/** PKCS#12 (base64) holding certificate and key, as the reference's NodeSecurity:PrivateKeyPfx. */
export function toPkcs12(identity: GeneratedIdentity, password: string, friendlyName?: string): string {
  const key = forge.pki.privateKeyFromPem(identity.privateKeyPem);
  const cert = forge.pki.certificateFromPem(identity.certificatePem);
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des', ...(friendlyName ? { friendlyName } : {}) });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64');
}

/** Certificate (PEM) and private key (PEM) from a PKCS#12 blob. */
export function fromPkcs12(pfx: Buffer, password: string): { certificatePem: string; privateKeyPem: string } {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(pfx.toString('binary')));
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  const certBag = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]?.[0];
  const keyBag =
    p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag]?.[0] ??
    p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag]?.[0];
  if (!certBag?.cert || !keyBag?.key) throw new Error('PKCS#12 must contain a certificate and its private key');
  return { certificatePem: forge.pki.certificateToPem(certBag.cert), privateKeyPem: forge.pki.privateKeyToPem(keyBag.key) };
}
