import { Module } from '@nestjs/common';
import { NodeRegistryService } from './node-registry.service';
import { NodesAdminController } from './nodes-admin.controller';

/** The research_nodes registry and its administration API. */
@Module({
  controllers: [NodesAdminController],
  providers: [NodeRegistryService],
  exports: [NodeRegistryService],
})
export class NodesModule {}
