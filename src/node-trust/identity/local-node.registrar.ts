import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config';
import { NodeRegistryService } from '../../nodes/node-registry.service';
import { LocalIdentity } from './local-identity';

/** Upserts this node's own research_nodes row at boot (other modules rely on it existing). */
@Injectable()
export class LocalNodeRegistrar implements OnApplicationBootstrap {
  constructor(
    private readonly identity: LocalIdentity,
    private readonly registry: NodeRegistryService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.upsertLocal({
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      certificateDer: this.identity.certificateDer,
      fingerprint: this.identity.fingerprint,
      publicUrl: this.config.server.publicUrl,
    });
    new Logger('NodeTrust').log(`identity of "${this.identity.nodeId}" ${this.identity.source}; fingerprint ${this.identity.fingerprint}`);
  }
}
