import { DynamicModule, Type } from '@nestjs/common';
import { staticContributions } from '../registry/contributions';
import { AggregateSpec } from './aggregate-spec';

/**
 * What an aggregate module registers (through SyncModule.forFeature): its TypeORM entities and its
 * sync specs. The sync catalog, the export routes, the import commands, the CRUD resources, the
 * metrics labels and the SDK's table lists all derive from these registrations, in registration
 * order (the order of the aggregate modules in src/aggregates.ts).
 */
export interface AggregateRegistration {
  entities: Function[];
  specs: AggregateSpec[];
}

/** The contribution registry the sync kernel reads (src/core/registry/contributions.ts). */
export const AGGREGATE_REGISTRY = 'sync-kernel:aggregates';

type ModuleRef = Type<unknown> | DynamicModule;

/** The registrations that these aggregate modules declare, without booting Nest. */
export function registrationsOf(modules: readonly ModuleRef[]): AggregateRegistration[] {
  return staticContributions<AggregateRegistration>(modules, AGGREGATE_REGISTRY);
}

export function specsOf(modules: readonly ModuleRef[]): AggregateSpec[] {
  return registrationsOf(modules).flatMap((r) => r.specs);
}

export function entitiesOf(modules: readonly ModuleRef[]): Function[] {
  return registrationsOf(modules).flatMap((r) => r.entities);
}
