import { createPrivateKey } from 'node:crypto';
import { generateSelfSignedIdentity } from '../../../src/node-trust/identity/identity-generator';
import type { IrisIdentity } from './iris-client';

/** A desktop identity (certificate + key) like VITE_IRN_MIDDLEWARE_* (subject = node id). */
export function desktopIdentity(nodeId = 'iris-desktop'): IrisIdentity {
  const generated = generateSelfSignedIdentity(nodeId);
  const pkcs8 = createPrivateKey(generated.privateKeyPem).export({ type: 'pkcs8', format: 'der' }).toString('base64');
  return { nodeId, certificate: generated.certificateDer, privateKeyPkcs8: pkcs8 };
}
