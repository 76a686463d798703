import { createPrivateKey, createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../../../src/config';
import { certificateFingerprint, parseCertificate, signData, verifyWithCertificate } from '../../../src/node-trust/crypto/certificates';
import { fromPkcs12, generateSelfSignedIdentity, toPkcs12 } from '../../../src/node-trust/identity/identity-generator';
import { loadLocalIdentity } from '../../../src/node-trust/identity/local-identity';
import { parse } from '../../../src/cli/command';
import { identityGenerateCommand } from '../../../src/cli/commands/identity-generate';

describe('node identity', () => {
  const identity = generateSelfSignedIdentity('node-x', new Date('2026-03-01T00:00:00Z'));
  const cert = parseCertificate(identity.certificatePem);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prism-identity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a self-signed RSA-2048 certificate as the reference makes it', () => {
    expect(cert.subject).toBe('CN=node-x');
    expect(cert.issuer).toBe('CN=node-x');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2028);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(identity.certificateDer).toBe(cert.raw.toString('base64'));
    const text = cert.toLegacyObject() as unknown as { ext_key_usage?: string[] };
    expect(text.ext_key_usage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('signs RSA-SHA256 PKCS#1 v1.5 verifiable with the certificate (and only the exact text)', () => {
    const key = createPrivateKey(identity.privateKeyPem);
    const signature = signData(key, 'challenge+channel+node+2026-02-18T12:00:21.1230000Z');
    expect(createVerify('sha256').update('challenge+channel+node+2026-02-18T12:00:21.1230000Z').verify(cert.publicKey, signature, 'base64')).toBe(true);
    expect(verifyWithCertificate(cert, ['challenge+channel+node+2026-02-18T12:00:21.123Z'], signature)).toBe(false);
    expect(verifyWithCertificate(cert, ['x', 'challenge+channel+node+2026-02-18T12:00:21.1230000Z'], signature)).toBe(true);
  });

  it('round-trips through PKCS#12 with its password', () => {
    const pfx = toPkcs12(identity, 'secret');
    const back = fromPkcs12(Buffer.from(pfx, 'base64'), 'secret');
    expect(parseCertificate(back.certificatePem).raw.equals(cert.raw)).toBe(true);
    expect(() => fromPkcs12(Buffer.from(pfx, 'base64'), 'wrong')).toThrow();
  });

  it('is generated into DATA_DIR/identity on first start and reused afterwards', async () => {
    const config = testConfig({ DATA_DIR: dir, NODE_ID: 'gen-node' });
    const first = await loadLocalIdentity(config);
    expect(first.source).toMatch(/^generated/);
    const second = await loadLocalIdentity(config);
    expect(second.source).toMatch(/^reused/);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toBe(certificateFingerprint(first.certificateDer));
    expect(readFileSync(join(dir, 'identity', 'node-cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('loads a configured PKCS#12 or PEM pair, and refuses a key of another certificate', async () => {
    const pfx = toPkcs12(identity, 'pw');
    const fromPfx = await loadLocalIdentity(testConfig({ DATA_DIR: dir, NODE_ID: 'node-x', NODE_PFX: pfx, NODE_PFX_PASSWORD: 'pw' }));
    expect(fromPfx.certificateDer).toBe(identity.certificateDer);
    expect(fromPfx.source).toBe('NODE_PFX');
    const fromPem = await loadLocalIdentity(
      testConfig({ DATA_DIR: dir, NODE_CERTIFICATE: identity.certificateDer, NODE_PRIVATE_KEY: identity.privateKeyPem }),
    );
    expect(fromPem.fingerprint).toBe(fromPfx.fingerprint);
    const other = generateSelfSignedIdentity('other');
    await expect(
      loadLocalIdentity(testConfig({ DATA_DIR: dir, NODE_CERTIFICATE: identity.certificateDer, NODE_PRIVATE_KEY: other.privateKeyPem })),
    ).rejects.toThrow(/does not match/);
  });

  it('is written by `prism-node identity:generate` (PEM pair + PKCS#12) with the settings to use', async () => {
    const out = join(dir, 'cli');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const args = parse(identityGenerateCommand, ['--node-id', 'cli-node', '--dir', out, '--pfx-password', 'pw', '--json']);
      expect(await identityGenerateCommand.run(args)).toBe(0);
      const printed = JSON.parse(String(log.mock.calls[0][0]));
      expect(printed.settings).toMatchObject({ NODE_ID: 'cli-node', NODE_PFX: join(out, 'node.pfx') });
      const loaded = await loadLocalIdentity(testConfig({ DATA_DIR: dir, NODE_ID: 'cli-node', NODE_PFX: join(out, 'node.pfx'), NODE_PFX_PASSWORD: 'pw' }));
      expect(loaded.fingerprint).toBe(printed.fingerprint);
      expect(parseCertificate(readFileSync(join(out, 'node-cert.pem'), 'utf8')).subject).toBe('CN=cli-node');
    } finally {
      log.mockRestore();
    }
  });
});
