import { DynamicModule, Type } from '@nestjs/common';
import { SyncKernelModule } from './core/sync-kernel/sync-kernel.module';
import { RecordingsModule } from './recordings/recordings.module';
import { ResearchModule } from './research/research.module';
import { SessionsModule } from './sessions/sessions.module';
import { SnomedModule } from './snomed/snomed.module';
import { SYNC_SPECS } from './sync-specs';
import { VolunteersModule } from './volunteers/volunteers.module';
import { UsersModule } from './users/users.module';
import { CrudModule } from './crud/crud.module';
import { RecordingFilesModule } from './recordings/recording-files.module';
import { NodeTrustModule } from './node-trust/node-trust.module';
import { SyncModule } from './sync/sync.module';
import { ObservabilityModule } from './observability/observability.module';

/** The node's feature modules, in one list so AppModule stays small. */
export const FEATURE_MODULES: (Type<unknown> | DynamicModule)[] = [
  SyncKernelModule.forRoot(SYNC_SPECS),
  SnomedModule,
  VolunteersModule,
  ResearchModule,
  SessionsModule,
  RecordingsModule,
  UsersModule,
  CrudModule,
  RecordingFilesModule,
  NodeTrustModule,
  SyncModule,
  ObservabilityModule,
];
