import { Controller, Delete, Get, HttpCode, Patch, Post, Req, Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { RequireUser } from '../core/auth/access';
import { named, pascalCase } from '../core/naming';
import { CrudEngine, Page, Row } from './crud-engine';
import { CrudResources } from './crud-resources';
import { collectionPath, ResourceDefinition } from './resource-definition';

type Handler = 'list' | 'get' | 'create' | 'update' | 'remove';

/** Which HTTP route each engine operation gets; singles have no list and live at the item path. */
export function routesOf(def: ResourceDefinition): { handler: Handler; method: typeof Get; verb: string; path: string; status?: number }[] {
  const collection = collectionPath(def);
  return [
    ...(def.single ? [] : [{ handler: 'list' as const, method: Get, verb: 'GET', path: collection }]),
    { handler: 'create', method: Post, verb: 'POST', path: collection, status: 201 },
    { handler: 'get', method: Get, verb: 'GET', path: def.path },
    { handler: 'update', method: Patch, verb: 'PATCH', path: def.path },
    { handler: 'remove', method: Delete, verb: 'DELETE', path: def.path, status: 204 },
  ];
}

/**
 * Builds the controller of one resource definition: five thin handlers that hand the request's
 * params, query and body to the engine. Documented by openapi.ts (hence excluded from the scanner).
 */
export function crudControllerFor(def: ResourceDefinition): Type<unknown> {
  @ApiExcludeController()
  @RequireUser()
  @Controller('api')
  class GeneratedCrudController {
    constructor(
      readonly engine: CrudEngine,
      readonly resources: CrudResources,
    ) {}

    list(req: Request): Promise<Page> {
      return this.engine.list(this.resources.get(def.name), req.params as Record<string, string>, req.query);
    }
    get(req: Request): Promise<Row> {
      return this.engine.get(this.resources.get(def.name), req.params as Record<string, string>);
    }
    create(req: Request): Promise<Row> {
      return this.engine.create(this.resources.get(def.name), req.params as Record<string, string>, req.body);
    }
    update(req: Request): Promise<Row> {
      return this.engine.update(this.resources.get(def.name), req.params as Record<string, string>, req.body);
    }
    remove(req: Request): Promise<void> {
      return this.engine.remove(this.resources.get(def.name), req.params as Record<string, string>);
    }
  }
  const proto = GeneratedCrudController.prototype;
  const routed = new Set<Handler>();
  for (const route of routesOf(def)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, route.handler)!;
    route.method(route.path)(proto, route.handler, descriptor);
    if (route.status) HttpCode(route.status)(proto, route.handler, descriptor);
    Req()(proto, route.handler, 0);
    routed.add(route.handler);
  }
  // A handler without a route (a single's list) must not exist on the controller at all.
  for (const handler of ['list', 'get', 'create', 'update', 'remove'] as Handler[]) {
    if (!routed.has(handler)) delete (proto as unknown as Record<string, unknown>)[handler];
  }
  return named(GeneratedCrudController, `${pascalCase(def.name)}CrudController`);
}
