import { DynamicModule, Type } from '@nestjs/common';
import { AGGREGATE_MODULES } from './aggregates';
import { SyncKernelModule } from './core/sync-kernel/sync-kernel.module';
import { UsersModule } from './users/users.module';
import { CrudModule } from './crud/crud.module';
import { resourcesOf } from './crud/crud-resources';
import { NodeTrustModule } from './node-trust/node-trust.module';
import { SyncModule } from './sync/sync.module';
import { ObservabilityModule } from './observability/observability.module';

/**
 * The node's feature modules, in one list so AppModule stays small; `aggregates` are the aggregate
 * modules. The reference routes come before the aggregates: their literal paths must be
 * registered before the native `:id` routes the aggregate modules bring.
 */
export function featureModules(aggregates: readonly (Type<unknown> | DynamicModule)[] = AGGREGATE_MODULES): (Type<unknown> | DynamicModule)[] {
  return [SyncKernelModule, CrudModule.forReference(resourcesOf(aggregates)), ...aggregates, UsersModule, CrudModule, NodeTrustModule, SyncModule, ObservabilityModule];
}
