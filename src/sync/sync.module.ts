import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { contribute } from '../core/registry/contributions';
import { AGGREGATE_REGISTRY, AggregateRegistration } from '../core/sync-kernel/aggregate-registry';
import { PeerSyncStatus } from '../nodes/peer-sync-status.port';
import { BundleController } from './bundle/bundle.controller';
import { BundleExporter } from './bundle/bundle-exporter';
import { BundleImporter } from './bundle/bundle-importer';
import { BundlePeers } from './bundle/bundle-peers';
import { BundlePositions } from './bundle/bundle-positions';
import { ConflictRestore } from './conflicts/conflict-restore';
import { SyncBus, SyncFeature } from './cqrs/sync-bus';
import { syncHandlersFor } from './cqrs/sync-handlers';
import { SYNC_ENTITIES } from './entities';
import { ExportEngine } from './export/export-engine';
import { ExportWindows } from './export/export-windows';
import { TombstoneHorizon } from './export/tombstone-horizon';
import { FeedPages } from './export/feed-pages';
import { ReferenceSequences } from './export/reference-sequences';
import { FileServing } from './export/file-serving';
import { FileSweep } from './files/file-sweep';
import { SyncExportController } from './http/sync-export.controller';
import { exportControllersFor } from './http/sync-feed-routes';
import { SyncHistory } from './http/sync-history';
import { SyncOperatorController } from './http/sync-operator.controller';
import { SyncPushController } from './http/sync-push.controller';
import { SyncScheduleController } from './http/sync-schedule.controller';
import { ImportEngine } from './import/import-engine';
import { ApplyStep } from './pull/apply-step';
import { ChannelPeerConnector } from './pull/channel-peer-connector';
import { FetchStep } from './pull/fetch-step';
import { PeerConnector } from './pull/peer.port';
import { PeerDirectory } from './pull/peer-directory';
import { SyncJobs } from './pull/sync-jobs.service';
import { SyncLock } from './pull/sync-lock';
import { SyncLogs } from './pull/sync-logs';
import { SyncSaga } from './pull/sync-saga';
import { PushRequests } from './push/push-requests';
import { SyncScheduler } from './schedule/sync-scheduler';
import { SyncSchedules } from './schedule/sync-schedules';
import { VerifyService } from './verify/verify.service';

/** Where the per-aggregate handlers and routes of SyncModule.forFeature live (one instance per call). */
@Module({})
export class SyncFeatureModule {}

/**
 * Sync between nodes: the source side (export engine, windows, files) and the requester side
 * (SyncSaga jobs, import engine, operator API). It names no aggregate: each aggregate module
 * registers its entities and specs with SyncModule.forFeature, which builds that aggregate's
 * export query handler, import command handler and export routes, and adds the specs to the
 * registry the catalog is built from. Files reach the engine through the SyncedFiles port, which
 * the module owning the file columns provides. Global: exports PeerSyncStatus to the registry.
 */
@Global()
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature(SYNC_ENTITIES)],
  controllers: [SyncOperatorController, SyncScheduleController, SyncPushController, SyncExportController, BundleController],
  providers: [
    SyncBus,
    ExportWindows,
    TombstoneHorizon,
    ReferenceSequences,
    ExportEngine,
    FeedPages,
    FileServing,
    ImportEngine,
    ApplyStep,
    FetchStep,
    SyncLogs,
    SyncLock,
    PeerDirectory,
    SyncSaga,
    SyncJobs,
    SyncHistory,
    ConflictRestore,
    SyncSchedules,
    SyncScheduler,
    PushRequests,
    VerifyService,
    FileSweep,
    BundlePeers,
    BundlePositions,
    BundleExporter,
    BundleImporter,
    { provide: PeerConnector, useClass: ChannelPeerConnector },
    { provide: PeerSyncStatus, useExisting: SyncLogs },
  ],
  exports: [FileSweep, SyncJobs, SyncLogs, ExportEngine, ImportEngine, FeedPages, FileServing, VerifyService, PeerSyncStatus],
})
export class SyncModule {
  /**
   * An aggregate module's registration (as TypeOrmModule.forFeature registers entities): its
   * entities join the node's DataSource, its specs the sync catalog; per aggregate, an export
   * query handler and an import command handler come from syncHandlersFor, and the feed and file
   * routes from exportControllersFor.
   */
  static forFeature(registration: AggregateRegistration): DynamicModule {
    const handlers = registration.specs.map(syncHandlersFor);
    const feature: SyncFeature = { ...registration, handlers };
    return {
      module: SyncFeatureModule,
      imports: [SyncModule],
      controllers: exportControllersFor(registration.specs),
      providers: [...handlers.flatMap((h) => h.handlers), contribute(AGGREGATE_REGISTRY, feature)],
    };
  }
}
