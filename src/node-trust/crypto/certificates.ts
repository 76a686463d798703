import { constants, createHash, createSign, createVerify, KeyObject, publicEncrypt, X509Certificate } from 'node:crypto';

/** base64(SHA-256(certificate DER)): the registry's natural key (reference CalculateCertificateFingerprint). */
export function certificateFingerprint(certificateDerBase64: string): string {
  return createHash('sha256').update(Buffer.from(certificateDerBase64, 'base64')).digest('base64');
}

/** Parses a base64 DER (or PEM) certificate; throws when it is not an X.509 certificate. */
export function parseCertificate(certificate: string): X509Certificate {
  const trimmed = certificate.trim();
  return new X509Certificate(trimmed.startsWith('-----BEGIN') ? trimmed : Buffer.from(trimmed, 'base64'));
}

/** base64 DER of a certificate given as PEM or base64 DER. */
export function certificateDerBase64(certificate: string): string {
  return parseCertificate(certificate).raw.toString('base64');
}

export function isCertificateCurrentlyValid(cert: X509Certificate, now = new Date()): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/** RSA PKCS#1 v1.5 / SHA-256 over UTF-8 `data`, base64 (the reference's node signatures). */
export function signData(privateKey: KeyObject, data: string): string {
  return createSign('sha256').update(data, 'utf8').sign(privateKey, 'base64');
}

/** Verifies a base64 RSA-SHA256 signature over one of the candidate strings with a certificate's key. */
export function verifyWithCertificate(cert: X509Certificate, candidates: string[], signatureBase64: string): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length === 0) return false;
  return candidates.some((data) => {
    try {
      return createVerify('sha256').update(data, 'utf8').verify(cert.publicKey, signature);
    } catch {
      return false;
    }
  });
}

/** Wraps a (symmetric) key for the holder of a certificate: RSA-OAEP-SHA256 (LocalIdentity.unwrapKey undoes it). */
export function wrapKeyFor(cert: X509Certificate, key: Buffer): Buffer {
  return publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
}
