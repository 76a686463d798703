import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { crudControllerFor } from './crud-controllers';
import { CrudEngine } from './crud-engine';
import { CrudResources } from './crud-resources';
import { ClinicalSessionController, ClinicalSessionIntake } from './reference/clinical-sessions';
import { ReferenceApi } from './reference/reference-api';
import { referenceControllerFor } from './reference/reference-controller';
import { ReferenceRoutes, referenceRouteTable } from './reference/reference-routes';
import { ResearchExport, ResearchExportController } from './reference/research-export';
import { RESOURCES } from './resources';

/**
 * CRUD for every resource of the resource table, through one engine, in two route shapes: the
 * node's own (`/api/volunteers/...`) and the reference node's (`/api/Volunteer/...`, for IRIS).
 * The reference controller comes first so its literal paths win over the native `:id` routes.
 */
@Module({
  imports: [NodesModule],
  controllers: [referenceControllerFor(referenceRouteTable(), RESOURCES), ResearchExportController, ClinicalSessionController, ...RESOURCES.map(crudControllerFor)],
  providers: [CrudEngine, CrudResources, ReferenceRoutes, ReferenceApi, ResearchExport, ClinicalSessionIntake],
  exports: [CrudEngine, CrudResources],
})
export class CrudModule {}
