import { DynamicModule, Type } from '@nestjs/common';
import { AGGREGATE_MODULES } from '../aggregates';
import { entitiesOf } from '../core/sync-kernel/aggregate-registry';
import { ResearchNode } from '../nodes/entities/research-node.entity';
import { SYNC_ENTITIES } from '../sync/entities';
import { User } from '../users/entities/user.entity';

/** Every TypeORM entity of a node with these aggregate modules (each registers its own). */
export function entitiesFor(aggregates: readonly (Type<unknown> | DynamicModule)[]): Function[] {
  return [ResearchNode, User, ...entitiesOf(aggregates), ...SYNC_ENTITIES];
}

/** Every TypeORM entity of the node. */
export const ALL_ENTITIES: Function[] = entitiesFor(AGGREGATE_MODULES);
