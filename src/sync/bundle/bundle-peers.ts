import { X509Certificate } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../core/errors/app-error';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { parseCertificate, verifyWithCertificate } from '../../node-trust/crypto/certificates';
import { LocalIdentity } from '../../node-trust/identity/local-identity';
import { ResearchNode } from '../../nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { PeerDirectory } from '../pull/peer-directory';

/** A registry peer with the certificate bundles are encrypted for, or signatures checked with. */
export interface BundlePeer {
  node: ResearchNode;
  certificate: X509Certificate;
}

/**
 * Who may receive and who may send offline bundles, from the registry (read through the nodes
 * module): the same grants as a pull — the peer Authorized with a ReadWrite or Admin connection —
 * and identity only from a signature checked with the certificate the registry holds.
 */
@Injectable()
export class BundlePeers {
  constructor(
    private readonly registry: NodeRegistryService,
    private readonly identity: LocalIdentity,
    private readonly directory: PeerDirectory,
  ) {}

  get localFingerprint(): string {
    return this.identity.fingerprint;
  }

  /** The peer a bundle is exported for: as if it pulled (Authorized, ReadWrite or Admin), with a certificate to encrypt for. */
  async recipient(remoteNodeId: string): Promise<BundlePeer> {
    if (!isUuid(remoteNodeId)) throw invalidField('remoteNodeId', 'must be a UUID');
    const node = await this.registry.findById(remoteNodeId);
    if (!node || node.isLocal) throw new AppError(404, 'ERR_NODE_NOT_FOUND', `no peer node ${remoteNodeId} in the registry`, { details: { remoteNodeId } });
    this.directory.assertGranted(node);
    if (!node.certificate) {
      throw new AppError(409, 'ERR_NODE_CERTIFICATE_MISSING', `peer "${node.nodeName}" was added without a certificate: a bundle cannot be encrypted for it`, {
        details: { remoteNodeId },
      });
    }
    return { node, certificate: parseCertificate(node.certificate) };
  }

  /**
   * The node that signed `signedText` (a bundle manifest, an acknowledgement): known here by its
   * certificate fingerprint, granted as a pull peer, and the signature valid for the certificate
   * the registry holds (never one the file brings).
   */
  async signer(fingerprint: unknown, signedText: string, signature: unknown): Promise<BundlePeer> {
    const node = typeof fingerprint === 'string' && fingerprint.length <= 100 ? await this.registry.findByFingerprint(fingerprint) : null;
    if (!node || node.isLocal || !node.certificate) {
      throw new AppError(403, 'ERR_BUNDLE_UNKNOWN_NODE', 'the bundle comes from a node this node does not know (no registry entry with its certificate)', {
        details: { fingerprint: typeof fingerprint === 'string' ? fingerprint.slice(0, 100) : null },
      });
    }
    this.directory.assertGranted(node);
    const certificate = parseCertificate(node.certificate);
    if (typeof signature !== 'string' || !verifyWithCertificate(certificate, [signedText], signature)) {
      throw new AppError(422, 'ERR_BUNDLE_SIGNATURE_INVALID', `the signature does not verify with the certificate of "${node.nodeName}": the file was changed or not signed by that node`);
    }
    return { node, certificate };
  }

  /** Refuses what is addressed to another node's certificate. */
  assertAddressedHere(fingerprint: unknown): void {
    if (fingerprint !== this.identity.fingerprint) {
      throw new AppError(422, 'ERR_BUNDLE_WRONG_RECIPIENT', 'the file is addressed to another node (its recipient certificate is not this node\'s)', {
        details: { recipient: typeof fingerprint === 'string' ? fingerprint.slice(0, 100) : null, thisNode: this.identity.fingerprint },
      });
    }
  }
}
