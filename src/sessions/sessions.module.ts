import { Module } from '@nestjs/common';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { SESSION_ENTITIES } from './entities';
import { SESSIONS_RESOURCES } from './sessions.resources';
import { SESSIONS_SYNC_SPEC } from './sessions.sync-spec';

/** Clinical sessions, target areas and annotations (aggregate "sessions", which carries the recordings module's records, channels and files). */
@Module({
  imports: [SyncModule.forFeature({ entities: SESSION_ENTITIES, specs: [SESSIONS_SYNC_SPEC] }), CrudModule.forFeature(SESSIONS_RESOURCES)],
})
export class SessionsModule {}
