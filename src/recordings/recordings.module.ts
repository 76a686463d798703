import { Module } from '@nestjs/common';
import { CrudModule } from '../crud/crud.module';
import { SyncModule } from '../sync/sync.module';
import { RECORDING_ENTITIES } from './entities';
import { RecordingFilesModule } from './recording-files.module';
import { RECORDINGS_RESOURCES } from './recordings.resources';

/**
 * Records, record channels and their files. On the wire they travel inside the "sessions"
 * aggregate (sessions.sync-spec.ts composes recordings.sync-spec.ts), so this module registers its
 * entities and no aggregate of its own; its files reach the sync engine through RecordingFileIndex.
 */
@Module({
  imports: [SyncModule.forFeature({ entities: RECORDING_ENTITIES, specs: [] }), CrudModule.forFeature(RECORDINGS_RESOURCES), RecordingFilesModule],
})
export class RecordingsModule {}
