import { DynamicModule, ForwardReference, Provider, Type, ValueProvider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/**
 * Feature registries, the way TypeOrmModule.forFeature contributes entities: a feature module
 * imports `SomeEngine.forFeature(…)`, whose dynamic module carries a Contribution provider; the
 * engine collects every contribution of its registry at boot (contributionsOf). The same
 * contributions can be read without booting Nest (staticContributions), for the TypeORM entity
 * list, the CLI, scripts and tests. Both read modules in Nest's scan order (depth-first, imports
 * in declaration order), so both see the same list in the same order.
 */
export class Contribution<T> {
  constructor(
    readonly registry: string,
    readonly value: T,
  ) {}
}

/** A provider carrying `value` into `registry` (unique token: a module may contribute many). */
export function contribute<T>(registry: string, value: T): ValueProvider<Contribution<T>> {
  return { provide: Symbol(registry), useValue: new Contribution(registry, value) };
}

function valueOf<T>(candidate: unknown, registry: string): T | undefined {
  return candidate instanceof Contribution && candidate.registry === registry ? (candidate.value as T) : undefined;
}

/** Every contribution to `registry` in the running application, in module scan order. */
export function contributionsOf<T>(discovery: DiscoveryService, registry: string): T[] {
  const found: T[] = [];
  for (const wrapper of discovery.getProviders()) {
    const value = valueOf<T>(wrapper.instance, registry);
    if (value !== undefined && !found.includes(value)) found.push(value);
  }
  return found;
}

type ModuleRef = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** The contributions to `registry` that `modules` (and what they import) declare, without Nest. */
export function staticContributions<T>(modules: readonly ModuleRef[], registry: string): T[] {
  const found: T[] = [];
  const seen = new Set<unknown>();
  const visit = (ref: ModuleRef) => {
    if (seen.has(ref) || ref instanceof Promise || 'forwardRef' in ref) return;
    seen.add(ref);
    const type = 'module' in ref ? ref.module : ref;
    const dynamic = 'module' in ref ? ref : undefined;
    const providers: Provider[] = [...(Reflect.getMetadata('providers', type) ?? []), ...(dynamic?.providers ?? [])];
    for (const provider of providers) {
      const value = valueOf<T>((provider as Partial<ValueProvider>).useValue, registry);
      if (value !== undefined && !found.includes(value)) found.push(value);
    }
    for (const imported of [...(Reflect.getMetadata('imports', type) ?? []), ...(dynamic?.imports ?? [])]) visit(imported as ModuleRef);
  };
  for (const module of modules) visit(module);
  return found;
}
