import { Injectable, OnModuleInit } from '@nestjs/common';
import { SyncCatalog } from '../core/sync-kernel/sync-catalog';
import { CompiledResource, compileResource } from './compiled-resource';
import { RESOURCES } from './resources';

/** The resource table resolved against the sync catalog at boot (a mismatch stops the node). */
@Injectable()
export class CrudResources implements OnModuleInit {
  private readonly compiled = new Map<string, CompiledResource>();

  constructor(private readonly catalog: SyncCatalog) {}

  onModuleInit(): void {
    for (const def of RESOURCES) this.compiled.set(def.name, compileResource(def, this.catalog.table(def.table)));
  }

  get(name: string): CompiledResource {
    const resource = this.compiled.get(name);
    if (!resource) throw new Error(`unknown CRUD resource ${name}`);
    return resource;
  }

  all(): CompiledResource[] {
    return [...this.compiled.values()];
  }
}
