import { DynamicModule, Injectable, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { contributionsOf, staticContributions } from '../core/registry/contributions';
import { SyncCatalog } from '../core/sync-kernel/sync-catalog';
import { CompiledResource, compileResource } from './compiled-resource';
import { ResourceDefinition } from './resource-definition';

/** The contribution registry of CRUD resources (CrudModule.forFeature). */
export const CRUD_REGISTRY = 'crud:resources';

/** The resources these modules register, read without Nest (the composition root, tests). */
export function resourcesOf(modules: readonly (Type<unknown> | DynamicModule)[]): ResourceDefinition[] {
  return staticContributions<ResourceDefinition[]>(modules, CRUD_REGISTRY).flat();
}

/**
 * The registered resources resolved against the sync catalog when the node starts (a mismatch
 * stops it), in the constructor so every provider's onModuleInit already finds them.
 */
@Injectable()
export class CrudResources {
  private readonly compiled = new Map<string, CompiledResource>();

  constructor(catalog: SyncCatalog, discovery: DiscoveryService) {
    for (const defs of contributionsOf<ResourceDefinition[]>(discovery, CRUD_REGISTRY)) {
      for (const def of defs) {
        if (this.compiled.has(def.name)) throw new Error(`CRUD resource ${def.name} is registered twice`);
        this.compiled.set(def.name, compileResource(def, catalog.table(def.table)));
      }
    }
  }

  get(name: string): CompiledResource {
    const resource = this.compiled.get(name);
    if (!resource) throw new Error(`unknown CRUD resource ${name}`);
    return resource;
  }

  /** A registered resource's definition, or undefined. */
  definition(name: string): ResourceDefinition | undefined {
    return this.compiled.get(name)?.def;
  }

  all(): CompiledResource[] {
    return [...this.compiled.values()];
  }
}
