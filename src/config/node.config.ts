import { EnvReader } from './env-reader';

/**
 * The local node's identity is explicit configuration (SPEC §4), never "the first row of
 * research_nodes". Certificate and key are read by the node-trust module from these sources;
 * when none is configured the node generates a self-signed identity in DATA_DIR/identity on first
 * start (like `prism-node identity:generate`).
 */
export interface NodeIdentityConfig {
  /** Protocol node id sent in identify/authenticate (e.g. "node-a"); also the origin id of local rows. */
  nodeId: string;
  nodeName: string;
  /** PEM file path or base64 DER of the X.509 certificate. */
  certificate?: string;
  /** PEM file path of the private key (PKCS#8 or PKCS#1). */
  privateKey?: string;
  /** PKCS#12 file path or base64, with its password (the reference's NodeSecurity:PrivateKeyPfx). */
  pfx?: string;
  pfxPassword?: string;
  /** Directory where a generated identity is kept when none is configured. */
  identityDir?: string;
}

export function readNodeIdentityConfig(env: EnvReader): NodeIdentityConfig {
  const nodeId = env.str('NODE_ID', 'protocol id of this node (e.g. node-a)', 'prism-node');
  if (nodeId && !/^[A-Za-z0-9._-]{1,100}$/.test(nodeId)) {
    env.problems.push(`NODE_ID must be 1-100 characters of letters, digits, ".", "_" or "-", got "${nodeId}"`);
  }
  return {
    nodeId,
    nodeName: env.str('NODE_NAME', 'human-readable name of this node', nodeId || 'PRISM node'),
    certificate: env.optional('NODE_CERTIFICATE', 'X.509 certificate: PEM file path or base64 DER'),
    privateKey: env.optional('NODE_PRIVATE_KEY', 'private key: PEM file path'),
    pfx: env.optional('NODE_PFX', 'PKCS#12 identity: file path or base64 (alternative to certificate + key)'),
    pfxPassword: env.optional('NODE_PFX_PASSWORD', 'password of NODE_PFX'),
    identityDir: env.optional('NODE_IDENTITY_DIR', 'where a generated identity is stored (default DATA_DIR/identity)'),
  };
}
