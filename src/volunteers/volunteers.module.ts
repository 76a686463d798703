import { Module } from '@nestjs/common';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { VOLUNTEER_ENTITIES } from './entities';
import { VOLUNTEERS_RESOURCES } from './volunteers.resources';
import { VOLUNTEERS_SYNC_SPEC } from './volunteers.sync-spec';

/** Volunteers and their clinical data (aggregate "volunteers"). */
@Module({
  imports: [SyncModule.forFeature({ entities: VOLUNTEER_ENTITIES, specs: [VOLUNTEERS_SYNC_SPEC] }), CrudModule.forFeature(VOLUNTEERS_RESOURCES)],
})
export class VolunteersModule {}
