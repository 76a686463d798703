import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, NestFactory } from '@nestjs/core';
import { AGGREGATE_MODULES, RESOURCES, SYNC_SPECS } from '../../../src/aggregates';
import { contribute, contributionsOf, staticContributions } from '../../../src/core/registry/contributions';
import { entitiesOf, registrationsOf } from '../../../src/core/sync-kernel/aggregate-registry';
import { syncHandlersFor } from '../../../src/sync/cqrs/sync-handlers';
import { exportControllersFor } from '../../../src/sync/http/sync-feed-routes';
import { ALL_ENTITIES } from '../../../src/database/entities';

const REGISTRY = 'test:things';
const feature = (...values: string[]): DynamicModule => ({ module: FeatureModule, providers: values.map((v) => contribute(REGISTRY, v)) });

@Module({})
class FeatureModule {}
@Module({ imports: [feature('a1', 'a2')] })
class AModule {}
@Module({ imports: [feature('b'), AModule] })
class BModule {}
@Module({ imports: [feature('c')] })
class CModule {}

/** Nest metadata of a controller's routes: "GET /api/sync/…". */
function routesOf(controller: Function): string[] {
  const base = Reflect.getMetadata('path', controller) as string;
  return Object.getOwnPropertyNames(controller.prototype)
    .filter((name) => name !== 'constructor' && Reflect.getMetadata('path', controller.prototype[name]) !== undefined)
    .map((name) => `${RequestMethod[Reflect.getMetadata('method', controller.prototype[name])]} /${base}/${Reflect.getMetadata('path', controller.prototype[name])}`);
}

describe('the aggregate registry', () => {
  it('collects contributions in module scan order, the same with and without Nest', async () => {
    const modules = [BModule, CModule, AModule];
    expect(staticContributions(modules, REGISTRY)).toEqual(['b', 'a1', 'a2', 'c']);
    @Module({ imports: [DiscoveryModule, ...modules] })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
    expect(contributionsOf(app.get(DiscoveryService), REGISTRY)).toEqual(['b', 'a1', 'a2', 'c']);
    expect(staticContributions(modules, 'another:registry')).toEqual([]);
    await app.close();
  });

  it('the aggregate modules register the manifest order, every entity once and unique resources', () => {
    expect(SYNC_SPECS.map((s) => s.name)).toEqual(['snomed', 'volunteers', 'researchers', 'devices', 'research', 'sessions']);
    expect(registrationsOf(AGGREGATE_MODULES)).toHaveLength(5);
    const entities = entitiesOf(AGGREGATE_MODULES);
    expect(new Set(entities).size).toBe(entities.length);
    expect(entities.length).toBe(SYNC_SPECS.flatMap((s) => s.tables).length);
    expect(ALL_ENTITIES).toEqual(expect.arrayContaining(entities));
    expect(new Set(RESOURCES.map((r) => r.name)).size).toBe(RESOURCES.length);
    expect(RESOURCES.map((r) => r.table).sort()).toEqual(SYNC_SPECS.flatMap((s) => s.tables).sort());
  });

  it('builds each aggregate\'s query, command and handlers, named after it', () => {
    const spec = SYNC_SPECS.find((s) => s.name === 'volunteers')!;
    const handlers = syncHandlersFor(spec);
    expect(handlers.aggregate).toBe('volunteers');
    expect(handlers.ExportQuery.name).toBe('ExportVolunteersQuery');
    expect(handlers.ImportCommand.name).toBe('ImportVolunteersCommand');
    expect(handlers.handlers.map((h) => h.name)).toEqual(['ExportVolunteersHandler', 'ImportVolunteersHandler']);
    // Two aggregates never share a message class, so the buses route each to its own handler.
    expect(syncHandlersFor(spec).ExportQuery).not.toBe(handlers.ExportQuery);
  });

  it('builds the export routes from the specs: one per feed, <group>/:entityType, and the file routes', () => {
    const routes = exportControllersFor(SYNC_SPECS).flatMap(routesOf).sort();
    expect(routes).toEqual([
      'GET /api/sync/devices',
      'GET /api/sync/recordings/:recordChannelId/file',
      'GET /api/sync/recordings/:recordChannelId/stream',
      'GET /api/sync/research',
      'GET /api/sync/researchers',
      'GET /api/sync/sessions',
      'GET /api/sync/snomed/:entityType',
      'GET /api/sync/volunteers',
    ]);
  });
});
