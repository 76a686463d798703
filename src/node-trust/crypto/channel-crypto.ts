import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';

/** HKDF info of the reference channel key (ChannelEncryptionService). */
export const CHANNEL_KEY_INFO = 'IRN-Channel-v1.0';
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** The reference's `EncryptedPayload`. */
export interface EncryptedEnvelope {
  encryptedData: string;
  iv: string;
  authTag: string;
}

const CURVES: Record<string, string> = { P256: 'prime256v1', P384: 'secp384r1', P521: 'secp521r1' };

/** Curve of a `keyExchangeAlgorithm` such as "ECDH-P384" (text after the dash), or undefined. */
export function curveOf(keyExchangeAlgorithm: string): { name: string; nodeCurve: string } | undefined {
  const match = /^ECDH-(P-?(256|384|521))$/i.exec(keyExchangeAlgorithm.trim());
  if (!match) return undefined;
  const name = `P${match[2]}`;
  return { name, nodeCurve: CURVES[name] };
}

export function generateEphemeralKey(nodeCurve: string): { privateKey: KeyObject; publicKeySpki: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: nodeCurve });
  return { privateKey, publicKeySpki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/** Imports a base64 SPKI DER EC public key and checks it is on the expected curve. */
export function importEphemeralPublicKey(spkiBase64: string, nodeCurve: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== nodeCurve) {
    throw new Error(`ephemeral key is not an EC key on ${nodeCurve}`);
  }
  return key;
}

/** Raw ECDH secret (the X coordinate), as .NET DeriveRawSecretAgreement / WebCrypto deriveBits. */
export function ecdhSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  return diffieHellman({ privateKey, publicKey });
}

export function hkdfSha256(ikm: Buffer, salt: Buffer, info: Buffer | string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, typeof info === 'string' ? Buffer.from(info, 'utf8') : info, length));
}

/** AES-256 channel key: HKDF-SHA256(secret, salt = clientNonce ‖ serverNonce, info "IRN-Channel-v1.0"). */
export function deriveChannelKey(sharedSecret: Buffer, clientNonce: Buffer, serverNonce: Buffer): Buffer {
  return hkdfSha256(sharedSecret, Buffer.concat([clientNonce, serverNonce]), CHANNEL_KEY_INFO, 32);
}

/** AES-256-GCM, fresh 12-byte IV, 16-byte tag, no AAD. */
export function encryptBytes(key: Buffer, plaintext: Buffer, iv: Buffer = randomBytes(GCM_IV_BYTES)): EncryptedEnvelope {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64'), authTag: cipher.getAuthTag().toString('base64') };
}

export class EnvelopeError extends Error {}

/** Decrypts an envelope; throws EnvelopeError on a malformed envelope, wrong key or tampering. */
export function decryptBytes(key: Buffer, envelope: EncryptedEnvelope): Buffer {
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.authTag, 'base64');
  if (iv.length !== GCM_IV_BYTES) throw new EnvelopeError(`iv must be ${GCM_IV_BYTES} bytes`);
  if (tag.length !== GCM_TAG_BYTES) throw new EnvelopeError(`authTag must be ${GCM_TAG_BYTES} bytes`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.encryptedData, 'base64')), decipher.final()]);
  } catch {
    throw new EnvelopeError('decryption failed (wrong key or tampered payload)');
  }
}

export function isEnvelope(value: unknown): value is EncryptedEnvelope {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.encryptedData === 'string' && typeof v.iv === 'string' && typeof v.authTag === 'string';
}

/** Reads an envelope from a body whose keys may be in any case (the reference's JSON is case-insensitive). */
export function envelopeOf(body: unknown): EncryptedEnvelope | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const lower = Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
  const candidate = { encryptedData: lower.encrypteddata, iv: lower.iv, authTag: lower.authtag };
  return isEnvelope(candidate) ? candidate : undefined;
}

export function encryptJson(key: Buffer, value: unknown): EncryptedEnvelope {
  return encryptBytes(key, Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'));
}

export function decryptJson<T = unknown>(key: Buffer, envelope: EncryptedEnvelope): T {
  const text = decryptBytes(key, envelope).toString('utf8');
  if (text.trim() === '') return undefined as T;
  return JSON.parse(text) as T;
}
