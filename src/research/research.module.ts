import { Module } from '@nestjs/common';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { RESEARCH_ENTITIES } from './entities';
import { RESEARCH_RESOURCES } from './research.resources';
import { DEVICES_SYNC_SPEC, RESEARCH_SYNC_SPEC, RESEARCHERS_SYNC_SPEC } from './research.sync-spec';

/** Research projects, researchers, devices and sensors (aggregates "researchers", "devices", "research"). */
@Module({
  imports: [SyncModule.forFeature({ entities: RESEARCH_ENTITIES, specs: [RESEARCHERS_SYNC_SPEC, DEVICES_SYNC_SPEC, RESEARCH_SYNC_SPEC] }), CrudModule.forFeature(RESEARCH_RESOURCES)],
})
export class ResearchModule {}
