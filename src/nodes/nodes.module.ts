import { Module } from '@nestjs/common';
import { NodeRegistryService } from './node-registry.service';
import { NodesAdminController } from './nodes-admin.controller';
import { NodeIntroduction } from './node-introduction';
import { NodeIntroductionController } from './node-introduction.controller';

/** The research_nodes registry and its administration API. */
@Module({
  // The introduction routes come first so /api/node/identity is not taken for an id.
  controllers: [NodeIntroductionController, NodesAdminController],
  providers: [NodeRegistryService, NodeIntroduction],
  exports: [NodeRegistryService],
})
export class NodesModule {}
