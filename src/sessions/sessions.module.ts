import { Global, Module } from '@nestjs/common';
import { SessionResearch } from '../recordings/session-research.port';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { SESSION_ENTITIES } from './entities';
import { SESSIONS_RESOURCES } from './sessions.resources';
import { SESSIONS_SYNC_SPEC } from './sessions.sync-spec';
import { SessionResearchLookup } from './session-research.service';

/**
 * Clinical sessions, target areas and annotations (aggregate "sessions", which carries the
 * recordings module's records, channels and files).
 */
@Global()
@Module({
  imports: [SyncModule.forFeature({ entities: SESSION_ENTITIES, specs: [SESSIONS_SYNC_SPEC] }), CrudModule.forFeature(SESSIONS_RESOURCES)],
  // Global: the recordings module's port, answered from this module's table.
  providers: [{ provide: SessionResearch, useClass: SessionResearchLookup }],
  exports: [SessionResearch],
})
export class SessionsModule {}
