import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { contribute } from '../core/registry/contributions';
import { NodesModule } from '../nodes/nodes.module';
import { crudControllerFor } from './crud-controllers';
import { CrudEngine } from './crud-engine';
import { CRUD_REGISTRY, CrudResources } from './crud-resources';
import { ClinicalSessionController, ClinicalSessionIntake } from './reference/clinical-sessions';
import { ReferenceApi } from './reference/reference-api';
import { referenceControllerFor } from './reference/reference-controller';
import { ReferenceRoutes, referenceRouteTable } from './reference/reference-routes';
import { ResearchExport, ResearchExportController } from './reference/research-export';
import { ResourceDefinition } from './resource-definition';

/** Where the controllers of CrudModule.forFeature live (one instance per call). */
@Module({})
export class CrudFeatureModule {}

/** Where the reference routes of CrudModule.forReference live. */
@Module({})
export class CrudReferenceModule {}

/**
 * CRUD for every resource the aggregate modules register, through one engine, in two route
 * shapes: the node's own (`/api/volunteers/...`, CrudModule.forFeature in each aggregate module)
 * and the reference node's (`/api/Volunteer/...`, for IRIS, CrudModule.forReference).
 */
@Module({
  imports: [DiscoveryModule, NodesModule],
  providers: [CrudEngine, CrudResources, ReferenceRoutes, ReferenceApi, ResearchExport, ClinicalSessionIntake],
  exports: [CrudEngine, CrudResources, ReferenceRoutes, ReferenceApi, ResearchExport, ClinicalSessionIntake],
})
export class CrudModule {
  /** An aggregate module's CRUD resources: their controllers, and their entry in the resource registry. */
  static forFeature(resources: ResourceDefinition[]): DynamicModule {
    return {
      module: CrudFeatureModule,
      imports: [CrudModule],
      controllers: resources.map(crudControllerFor),
      providers: [contribute(CRUD_REGISTRY, resources)],
    };
  }

  /**
   * The reference node's routes over every registered resource (`resources`: all of them, read
   * without Nest by the composition root). Imported before the aggregate modules, so its literal
   * paths are registered before the native `:id` routes.
   */
  static forReference(resources: ResourceDefinition[]): DynamicModule {
    return {
      module: CrudReferenceModule,
      imports: [CrudModule],
      controllers: [referenceControllerFor(referenceRouteTable(), resources), ResearchExportController, ClinicalSessionController],
    };
  }
}
