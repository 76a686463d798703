import { createHmac } from 'node:crypto';
import { certificateFingerprint } from '../../../src/node-trust/crypto/certificates';
import {
  CHANNEL_KEY_INFO,
  curveOf,
  decryptBytes,
  deriveChannelKey,
  ecdhSecret,
  encryptBytes,
  EnvelopeError,
  generateEphemeralKey,
  hkdfSha256,
  importEphemeralPublicKey,
} from '../../../src/node-trust/crypto/channel-crypto';
import { formatO, normalizeToO, parseTimestamp, signedTimestampForms } from '../../../src/node-trust/crypto/timestamp';

const hex = (s: string) => Buffer.from(s, 'hex');

/** Independent RFC 5869 HKDF (HMAC-SHA256 extract + expand) to check the library call. */
function referenceHkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  let block = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    block = createHmac('sha256', prk).update(Buffer.concat([block, info, Buffer.from([i])])).digest();
    out.push(block);
  }
  return Buffer.concat(out).subarray(0, length);
}

describe('HKDF channel key (reference ChannelEncryptionService)', () => {
  it('matches RFC 5869 test case 1 with the salt given as client nonce ‖ server nonce', () => {
    const ikm = hex('0b'.repeat(22));
    const salt = hex('000102030405060708090a0b0c');
    const okm = hkdfSha256(ikm, Buffer.concat([salt.subarray(0, 5), salt.subarray(5)]), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(okm.toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('derives AES-256 keys with salt = client nonce first, info "IRN-Channel-v1.0"', () => {
    const secret = hex('11'.repeat(48));
    const clientNonce = hex('aa'.repeat(32));
    const serverNonce = hex('bb'.repeat(16));
    const key = deriveChannelKey(secret, clientNonce, serverNonce);
    expect(CHANNEL_KEY_INFO).toBe('IRN-Channel-v1.0');
    expect(key).toHaveLength(32);
    expect(key.equals(referenceHkdf(secret, Buffer.concat([clientNonce, serverNonce]), Buffer.from('IRN-Channel-v1.0'), 32))).toBe(true);
    expect(key.equals(deriveChannelKey(secret, serverNonce, clientNonce))).toBe(false);
  });

  it('agrees on one key from both sides of an ECDH exchange on every accepted curve', () => {
    for (const algorithm of ['ECDH-P256', 'ECDH-P384', 'ECDH-P521']) {
      const curve = curveOf(algorithm)!;
      const a = generateEphemeralKey(curve.nodeCurve);
      const b = generateEphemeralKey(curve.nodeCurve);
      const ab = ecdhSecret(a.privateKey, importEphemeralPublicKey(b.publicKeySpki, curve.nodeCurve));
      const ba = ecdhSecret(b.privateKey, importEphemeralPublicKey(a.publicKeySpki, curve.nodeCurve));
      expect(ab.equals(ba)).toBe(true);
    }
    expect(ecdhSecret(generateEphemeralKey('secp384r1').privateKey, importEphemeralPublicKey(generateEphemeralKey('secp384r1').publicKeySpki, 'secp384r1'))).toHaveLength(48);
    expect(curveOf('ECDH-P192')).toBeUndefined();
    expect(() => importEphemeralPublicKey(generateEphemeralKey('prime256v1').publicKeySpki, 'secp384r1')).toThrow();
  });
});

describe('AES-256-GCM envelope', () => {
  // NIST GCM specification, test case 15 (AES-256, 96-bit IV, no AAD).
  const key = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const iv = hex('cafebabefacedbaddecaf888');
  const plaintext = hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
  );
  const ciphertext =
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
  const tag = 'b094dac5d93471bdec1a502270e3cc6c';

  it('produces {encryptedData, iv, authTag} matching the NIST vector', () => {
    const envelope = encryptBytes(key, plaintext, iv);
    expect(Object.keys(envelope).sort()).toEqual(['authTag', 'encryptedData', 'iv']);
    expect(Buffer.from(envelope.encryptedData, 'base64').toString('hex')).toBe(ciphertext);
    expect(Buffer.from(envelope.iv, 'base64').toString('hex')).toBe('cafebabefacedbaddecaf888');
    expect(Buffer.from(envelope.authTag, 'base64').toString('hex')).toBe(tag);
    expect(decryptBytes(key, envelope).equals(plaintext)).toBe(true);
  });

  it('uses a fresh 12-byte IV and a 16-byte tag per message', () => {
    const a = encryptBytes(key, Buffer.from('{}'));
    const b = encryptBytes(key, Buffer.from('{}'));
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.authTag, 'base64')).toHaveLength(16);
    expect(a.iv).not.toBe(b.iv);
  });

  it.each([
    ['ciphertext', (e: { encryptedData: string; iv: string; authTag: string }) => ({ ...e, encryptedData: flip(e.encryptedData) })],
    ['iv', (e: { encryptedData: string; iv: string; authTag: string }) => ({ ...e, iv: flip(e.iv) })],
    ['tag', (e: { encryptedData: string; iv: string; authTag: string }) => ({ ...e, authTag: flip(e.authTag) })],
  ])('rejects a tampered %s', (_name, tamper) => {
    const envelope = encryptBytes(key, plaintext, iv);
    expect(() => decryptBytes(key, tamper(envelope))).toThrow(EnvelopeError);
  });

  it('rejects a wrong key and short IVs or tags', () => {
    const envelope = encryptBytes(key, plaintext);
    expect(() => decryptBytes(Buffer.alloc(32, 1), envelope)).toThrow(EnvelopeError);
    expect(() => decryptBytes(key, { ...envelope, iv: Buffer.alloc(16).toString('base64') })).toThrow(EnvelopeError);
    expect(() => decryptBytes(key, { ...envelope, authTag: Buffer.alloc(12).toString('base64') })).toThrow(EnvelopeError);
  });
});

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] ^= 0x01;
  return bytes.toString('base64');
}

describe('.NET "O" timestamps', () => {
  it('formats a date with 7 fractional digits and Z', () => {
    expect(formatO(new Date(Date.UTC(2026, 1, 18, 12, 0, 0, 123)))).toBe('2026-02-18T12:00:00.1230000Z');
    expect(formatO(new Date(Date.UTC(2026, 1, 18, 12, 0, 0, 0)))).toBe('2026-02-18T12:00:00.0000000Z');
  });

  it.each([
    ['2026-02-18T12:00:21.123Z', '2026-02-18T12:00:21.1230000Z'],
    ['2026-02-18T12:00:21.123456Z', '2026-02-18T12:00:21.1234560Z'],
    ['2026-02-18T12:00:21Z', '2026-02-18T12:00:21.0000000Z'],
    ['2026-02-18T12:00:21.1234567Z', '2026-02-18T12:00:21.1234567Z'],
    ['2026-02-18T14:00:21.5+02:00', '2026-02-18T12:00:21.5000000Z'],
    ['2026-02-18T12:00:21.5', '2026-02-18T12:00:21.5000000'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeToO(input)).toBe(expected);
  });

  it('rejects what is not a timestamp and offers the raw string as a second form', () => {
    expect(normalizeToO('yesterday')).toBeUndefined();
    expect(parseTimestamp('nope')).toBeNaN();
    expect(parseTimestamp(42)).toBeNaN();
    expect(parseTimestamp('2026-02-18T12:00:00.5Z')).toBe(Date.UTC(2026, 1, 18, 12, 0, 0, 500));
    expect(signedTimestampForms('2026-02-18T12:00:21.123Z')).toEqual(['2026-02-18T12:00:21.1230000Z', '2026-02-18T12:00:21.123Z']);
  });
});

describe('certificates', () => {
  const der = 'MIICAjCCAWugAwIBAgIUfN4o5Y/8r4aFSshH1T7Ha+9Qk5swDQYJKoZIhvcNAQELBQAwEzERMA8GA1UEAwwIa2F0LW5vZGUwHhcNMjYxMTIyMDM1NjI0WhcNMzYxMTE5MDM1NjI0WjATMREwDwYDVQQDDAhrYXQtbm9kZTCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkCgYEA0tXsKqE462f4NVapwhSk9KKL9y7MvAwrbKthjOf93FWVLbH/pCBNmudiozdwj+pXp6hzBDje0h3/KecB7YeHOFSXPFifLaDlT8E0s8DvHdsqzUli1Vry5ReLr6J4tqwuPTaa/v+bqtju/c1SmIqi33UAhJge2HNyq6Ea5Vsz7B0CAwEAAaNTMFEwHQYDVR0OBBYEFEmZkwRGSmPo3HfUGdoFLX5LAwY9MB8GA1UdIwQYMBaAFEmZkwRGSmPo3HfUGdoFLX5LAwY9MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADgYEAkHR+N+vmvVjuuRcGkjCF2z+6iZlYyCpCoeDw4khpY2YRNFPYl3aBFhwECu/vHq8prvxcH/jtfhQtzqjAxsXCTfON7wvoiufCAK3dEu09GC4ZGzusFO8mcCu+hclMmrucHtVfFRE3xuDX/O7IOiue8rAHeBJmyKQTklpEPfpnbxg=';

  it('fingerprints as base64(SHA-256(DER)) (value computed with openssl)', () => {
    expect(certificateFingerprint(der)).toBe('TRl+dBgyoBnBllBaL11WjlybmHF+OhkKFQo+CX94Rfg=');
  });

});
