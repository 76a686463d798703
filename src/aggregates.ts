import { DynamicModule, Type } from '@nestjs/common';
import { specsOf } from './core/sync-kernel/aggregate-registry';
import { resourcesOf } from './crud/crud-resources';
import { ResourceDefinition } from './crud/resource-definition';
import { RecordingsModule } from './recordings/recordings.module';
import { ResearchModule } from './research/research.module';
import { SessionsModule } from './sessions/sessions.module';
import { SnomedModule } from './snomed/snomed.module';
import { VolunteersModule } from './volunteers/volunteers.module';

/**
 * Every aggregate module of the node: adding an aggregate is a folder (entities, spec, resources,
 * module), its migration, and one line here. The order is the manifest order (the reference's:
 * snomed, volunteers, researchers, devices, research, sessions, with the recordings' files); the
 * apply order comes from the foreign keys and only uses this order to break ties.
 */
export const AGGREGATE_MODULES: (Type<unknown> | DynamicModule)[] = [SnomedModule, VolunteersModule, ResearchModule, SessionsModule, RecordingsModule];

/** The sync specs the aggregate modules register (what the sync catalog is built from), without booting Nest. */
export const SYNC_SPECS = specsOf(AGGREGATE_MODULES);

/** The CRUD resources the aggregate modules register, without booting Nest. */
export const RESOURCES: ResourceDefinition[] = resourcesOf(AGGREGATE_MODULES);
