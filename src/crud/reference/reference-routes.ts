import { Injectable, OnModuleInit } from '@nestjs/common';
import { SyncCatalog } from '../../core/sync-kernel/sync-catalog';
import { REFERENCE_SHAPES } from '../reference-shapes';
import { CrudResources } from '../crud-resources';
import { CompiledReferenceRoute, compileReferenceRoute } from './compiled-reference';
import { ReferenceRoute, ReferenceShape } from './reference-shape';

export interface ReferenceRouteEntry {
  id: string;
  shape: ReferenceShape;
  route: ReferenceRoute;
  index: number;
}

/** Every reference route with its stable operation id (also used before the catalog exists: controllers). */
export function referenceRouteTable(shapes: ReferenceShape[] = REFERENCE_SHAPES): ReferenceRouteEntry[] {
  return shapes.flatMap((shape) => shape.routes.map((route, index) => ({ id: `${shape.resource}.ref.${route.op}.${index}`, shape, route, index })));
}

/** The reference routes resolved against the sync catalog at boot (a mismatch stops the node). */
@Injectable()
export class ReferenceRoutes implements OnModuleInit {
  private readonly compiled = new Map<string, CompiledReferenceRoute>();

  constructor(
    private readonly catalog: SyncCatalog,
    private readonly resources: CrudResources,
  ) {}

  onModuleInit(): void {
    for (const { shape, route, index } of referenceRouteTable()) {
      const base = this.resources.definition(shape.resource);
      if (!base) throw new Error(`reference shape for unknown CRUD resource ${shape.resource}`);
      const compiled = compileReferenceRoute(shape, route, index, base, (table) => this.catalog.table(table));
      this.compiled.set(compiled.id, compiled);
    }
  }

  get(id: string): CompiledReferenceRoute {
    const route = this.compiled.get(id);
    if (!route) throw new Error(`unknown reference route ${id}`);
    return route;
  }

  /** The first route of a resource's shape with this operation (and, when given, path). */
  find(resource: string, op: string, path?: string): CompiledReferenceRoute {
    const route = this.all().find((r) => r.shape.resource === resource && r.route.op === op && (path === undefined || r.route.path === path));
    if (!route) throw new Error(`no reference ${op} route for ${resource}`);
    return route;
  }

  all(): CompiledReferenceRoute[] {
    return [...this.compiled.values()];
  }
}
