import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, loadEnvFile } from '../../config';
import { certificateFingerprint } from '../../node-trust/crypto/certificates';
import { generateSelfSignedIdentity, toPkcs12 } from '../../node-trust/identity/identity-generator';
import { writeIdentityFiles } from '../../node-trust/identity/local-identity';
import { CliCommand, EXIT, UsageError } from '../command';

/** `prism-node identity:generate`: a self-signed node identity (PEM pair, optionally PKCS#12). */
export const identityGenerateCommand: CliCommand = {
  name: 'identity:generate',
  summary: 'generate a self-signed node certificate and key (RSA-2048, 2 years) and print the settings to use',
  usage: 'identity:generate [--node-id <id>] [--dir <directory>] [--pfx-password <password>] [--json]',
  options: {
    'node-id': { type: 'string' },
    dir: { type: 'string' },
    'pfx-password': { type: 'string' },
  },
  async run(args) {
    loadEnvFile();
    const config = loadConfig();
    const nodeId = (args.values['node-id'] as string | undefined) ?? config.node.nodeId;
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(nodeId)) throw new UsageError('--node-id must be 1-100 letters, digits, ".", "_" or "-"');
    const dir = resolve((args.values.dir as string | undefined) ?? config.node.identityDir ?? join(config.server.dataDir, 'identity'));
    const identity = generateSelfSignedIdentity(nodeId);
    const files = writeIdentityFiles(dir, identity);
    const password = args.values['pfx-password'] as string | undefined;
    let pfxPath: string | undefined;
    if (password !== undefined) {
      pfxPath = join(dir, 'node.pfx');
      writeFileSync(pfxPath, Buffer.from(toPkcs12(identity, password, nodeId), 'base64'), { mode: 0o600 });
    }
    const fingerprint = certificateFingerprint(identity.certificateDer);
    const settings: Record<string, string> = pfxPath
      ? { NODE_ID: nodeId, NODE_PFX: pfxPath, NODE_PFX_PASSWORD: '<the password you gave>' }
      : { NODE_ID: nodeId, NODE_CERTIFICATE: files.certificate, NODE_PRIVATE_KEY: files.privateKey };
    if (args.values.json) {
      console.log(JSON.stringify({ nodeId, fingerprint, certificate: identity.certificateDer, files: { ...files, pfx: pfxPath }, settings }, null, 2));
    } else {
      console.log(`Identity of node "${nodeId}" written to ${dir}`);
      console.log(`Certificate fingerprint (base64 SHA-256 of DER): ${fingerprint}`);
      console.log('\nSettings (.env):');
      for (const [name, value] of Object.entries(settings)) console.log(`${name}=${value}`);
      console.log('\nCertificate (base64 DER, for peers adding this node):');
      console.log(identity.certificateDer);
    }
    return EXIT.ok;
  },
};
