import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AggregateSpec } from './aggregate-spec';
import { buildCatalog, SyncCatalog } from './sync-catalog';

/**
 * Provides the SyncCatalog to every module. It is built as soon as the DataSource is ready, before
 * any module initialises, so an inconsistent spec stops boot with SyncCatalogError's message.
 */
@Global()
@Module({})
export class SyncKernelModule {
  static forRoot(specs: readonly AggregateSpec[]): DynamicModule {
    return {
      module: SyncKernelModule,
      providers: [{ provide: SyncCatalog, useFactory: (dataSource: DataSource) => buildCatalog(dataSource, specs), inject: [DataSource] }],
      exports: [SyncCatalog],
    };
  }
}
