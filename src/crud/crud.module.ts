import { Module } from '@nestjs/common';
import { crudControllerFor } from './crud-controllers';
import { CrudEngine } from './crud-engine';
import { CrudResources } from './crud-resources';
import { RESOURCES } from './resources';

/** CRUD for every resource of the resource table, through one engine. */
@Module({
  controllers: RESOURCES.map(crudControllerFor),
  providers: [CrudEngine, CrudResources],
  exports: [CrudEngine, CrudResources],
})
export class CrudModule {}
