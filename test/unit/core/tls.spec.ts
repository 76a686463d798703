import { ConfigError, testConfig } from '../../../src/config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerHttpsAgent, plainHttpWarning } from '../../../src/core/http/tls';

describe('TLS settings', () => {
  it('certificate + key, or a PFX; not half a pair, not both', () => {
    expect(testConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' }).server.tls).toMatchObject({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(testConfig({ TLS_PFX_FILE: '/n.pfx', TLS_PASSPHRASE: 'x' }).server.tls).toMatchObject({ pfxFile: '/n.pfx', passphrase: 'x' });
    expect(testConfig().server.tls).toBeUndefined();
    expect(() => testConfig({ TLS_CERT_FILE: '/c.pem' })).toThrow(/TLS_CERT_FILE and TLS_KEY_FILE must be given together/);
    expect(() => testConfig({ TLS_PFX_FILE: '/n.pfx', TLS_KEY_FILE: '/k.pem' })).toThrow(ConfigError);
  });

  it('the default public URL follows the scheme the node serves', () => {
    expect(testConfig({ PORT: '4443', TLS_PFX_FILE: '/n.pfx' }).server.publicUrl).toBe('https://127.0.0.1:4443');
    expect(testConfig({ PORT: '4080' }).server.publicUrl).toBe('http://127.0.0.1:4080');
  });
});

describe('the agent for peers with PEER_CA_FILE', () => {
  it('keeps connections alive (one TLS handshake for the requests of a pull, not one per file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peer-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
      const agent = peerHttpsAgent({ peerCaFile: join(dir, 'ca.pem') })!;
      expect(agent.options).toMatchObject({ keepAlive: true, minVersion: 'TLSv1.2' });
      agent.destroy();
      expect(peerHttpsAgent({ peerCaFile: undefined })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plain-HTTP warning at start', () => {
  it.each(['0.0.0.0', '::', '192.168.1.20', 'node-a'])('warns for a plain-HTTP listener on %s', (host) => {
    expect(plainHttpWarning({ host, tls: undefined })).toMatch(/plain HTTP on .*TLS_CERT_FILE/);
  });

  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1'])('is quiet on loopback (%s)', (host) => {
    expect(plainHttpWarning({ host, tls: undefined })).toBeUndefined();
  });

  it('is quiet when the node serves HTTPS', () => {
    expect(plainHttpWarning({ host: '0.0.0.0', tls: { pfxFile: '/n.pfx' } })).toBeUndefined();
  });
});
