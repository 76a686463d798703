import { Global, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { contributionsOf } from '../registry/contributions';
import { AGGREGATE_REGISTRY, AggregateRegistration } from './aggregate-registry';
import { buildCatalog, SyncCatalog } from './sync-catalog';

/**
 * Provides the SyncCatalog to every module, built from the specs the aggregate modules registered
 * (SyncModule.forFeature). It is built as soon as the DataSource is ready, before any module
 * initialises, so an inconsistent spec stops boot with SyncCatalogError's message.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: SyncCatalog,
      inject: [DataSource, DiscoveryService],
      useFactory: (dataSource: DataSource, discovery: DiscoveryService) =>
        buildCatalog(dataSource, contributionsOf<AggregateRegistration>(discovery, AGGREGATE_REGISTRY).flatMap((r) => r.specs)),
    },
  ],
  exports: [SyncCatalog],
})
export class SyncKernelModule {}
