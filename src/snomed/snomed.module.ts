import { Module } from '@nestjs/common';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { SNOMED_ENTITIES } from './entities';
import { SNOMED_RESOURCES } from './snomed.resources';
import { SNOMED_SYNC_SPEC } from './snomed.sync-spec';

/** SNOMED / terminology catalogs (aggregate "snomed"). */
@Module({
  imports: [SyncModule.forFeature({ entities: SNOMED_ENTITIES, specs: [SNOMED_SYNC_SPEC] }), CrudModule.forFeature(SNOMED_RESOURCES)],
})
export class SnomedModule {}
