import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RESEARCH_SYNC_HANDLERS } from '../research/research.sync-handlers';
import { SESSIONS_SYNC_HANDLERS } from '../sessions/sessions.sync-handlers';
import { SNOMED_SYNC_HANDLERS } from '../snomed/snomed.sync-handlers';
import { VOLUNTEERS_SYNC_HANDLERS } from '../volunteers/volunteers.sync-handlers';
import { SYNC_ENTITIES } from './entities';
import { ExportEngine } from './export/export-engine';
import { ExportWindows } from './export/export-windows';
import { RecordingFiles } from './export/recording-files';
import { SyncExportController } from './http/sync-export.controller';
import { SyncHistory } from './http/sync-history';
import { SyncOperatorController } from './http/sync-operator.controller';
import { ImportEngine } from './import/import-engine';
import { ApplyStep } from './pull/apply-step';
import { ChannelPeerConnector } from './pull/channel-peer-connector';
import { PeerConnector } from './pull/peer.port';
import { PeerDirectory } from './pull/peer-directory';
import { SyncJobs } from './pull/sync-jobs.service';
import { SyncLogs } from './pull/sync-logs';
import { VerifyService } from './verify/verify.service';

/**
 * Sync between nodes: the source side (export engine, windows, files) and the requester side
 * (SyncSaga jobs, import engine, operator API). The per-aggregate query and command handlers live
 * in the aggregate modules' folders and are registered here with the engines they delegate to.
 */
@Module({
  imports: [TypeOrmModule.forFeature(SYNC_ENTITIES)],
  controllers: [SyncOperatorController, SyncExportController],
  providers: [
    ExportWindows,
    ExportEngine,
    RecordingFiles,
    ImportEngine,
    ApplyStep,
    SyncLogs,
    PeerDirectory,
    SyncJobs,
    SyncHistory,
    VerifyService,
    { provide: PeerConnector, useClass: ChannelPeerConnector },
    ...SNOMED_SYNC_HANDLERS,
    ...VOLUNTEERS_SYNC_HANDLERS,
    ...RESEARCH_SYNC_HANDLERS,
    ...SESSIONS_SYNC_HANDLERS,
  ],
  exports: [SyncJobs, SyncLogs, ExportEngine, VerifyService],
})
export class SyncModule {}
