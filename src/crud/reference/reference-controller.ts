import { Controller, Delete, Get, HttpCode, Post, Put, Req, Type, Version } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthenticatedRequest, RequireUser } from '../../core/auth/access';
import { routesOf } from '../crud-controllers';
import { PathParams } from '../crud-engine';
import { ResourceDefinition } from '../resource-definition';
import { ReferenceApi } from './reference-api';
import { referenceError } from './reference-errors';
import { ReferenceRouteEntry } from './reference-routes';
import { HttpVerb } from './reference-shape';

/**
 * The request "version" of calls made over an encrypted channel (X-Channel-Id). Where a reference
 * route and a native route are the same path (ASP.NET routes ignore case: `/api/Research/{id}` is
 * `/api/research/:id`), the reference handler is registered first for this version only: channel
 * callers (the IRIS desktop and mobile) get the reference's behaviour, plain callers fall through
 * to the node's own route. Nest's custom versioning is the framework's way to pick a handler by a
 * request property; configureApp installs the extractor.
 */
export const CHANNEL_CALLER = 'prism-channel';

export function channelCallerVersion(request: unknown): string[] {
  return (request as Request).headers['x-channel-id'] ? [CHANNEL_CALLER] : [];
}

const VERBS: Record<HttpVerb, typeof Get> = { GET: Get, POST: Post, PUT: Put, DELETE: Delete };

/** Method + path as a router sees them: case-insensitive, parameter names irrelevant. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} /${path.replace(/^\/+/, '').toLowerCase().replace(/:[a-z0-9]+/g, ':')}`;
}

function nativeRouteKeys(resources: ResourceDefinition[]): Set<string> {
  return new Set(resources.flatMap((def) => routesOf(def).map((r) => routeKey(r.verb, r.path))));
}

const paramCount = (path: string) => (path.match(/:/g) ?? []).length;

/**
 * One controller for every reference route (data in src/crud/reference-shapes). Literal segments
 * are registered before parameters (`Research/GetActive` before `Research/:id`), and the whole
 * controller before the native CRUD controllers.
 */
export function referenceControllerFor(entries: ReferenceRouteEntry[], resources: ResourceDefinition[]): Type<unknown> {
  @ApiTags('reference (IRIS)')
  @ApiBearerAuth()
  @RequireUser()
  @Controller('api')
  class ReferenceApiController {
    constructor(readonly api: ReferenceApi) {}
  }
  const proto = ReferenceApiController.prototype as unknown as Record<string, unknown>;
  const native = nativeRouteKeys(resources);
  const sorted = [...entries].sort((a, b) => paramCount(a.route.path) - paramCount(b.route.path));
  for (const entry of sorted) {
    const { id, route } = entry;
    const name = id.replace(/[^A-Za-z0-9]+/g, '_');
    proto[name] = async function (this: ReferenceApiController, req: Request & AuthenticatedRequest) {
      const path = req.params as PathParams;
      const actor = { researcherId: req.user?.researcherId };
      try {
        switch (route.op) {
          case 'list':
            return await this.api.list(id, path, req.query as Record<string, unknown>);
          case 'get':
            return await this.api.get(id, path);
          case 'create':
            return await this.api.create(id, path, req.body, actor);
          case 'update':
            return await this.api.update(id, path, req.body, actor);
          case 'remove':
            return await this.api.remove(id, path);
        }
      } catch (error) {
        throw referenceError(error);
      }
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
    VERBS[route.method](route.path)(proto, name, descriptor);
    HttpCode(200)(proto, name, descriptor);
    Req()(proto, name, 0);
    const shared = native.has(routeKey(route.method, route.path));
    ApiOperation({
      summary: shared ? `${route.summary} (over an encrypted channel; plain requests get the node's own route)` : route.summary,
      operationId: id,
    })(proto, name, descriptor);
    if (shared) Version(CHANNEL_CALLER)(proto, name, descriptor);
  }
  return ReferenceApiController;
}
