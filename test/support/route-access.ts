import { INestApplication, RequestMethod } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_RULE, AccessRule, NodeAccessLevel } from '../../src/core/auth/access';

// Nest's own metadata keys (@nestjs/common constants; deep imports are not resolvable in v12).
const PATH_METADATA = 'path';
const METHOD_METADATA = 'method';

export interface RouteAccess {
  route: string;
  access: string;
  /** The declared rule itself (undefined: undeclared, refused by the AccessGuard). */
  rule?: AccessRule;
}

function describeRule(rule: AccessRule | undefined): string {
  if (!rule) return 'UNDECLARED';
  switch (rule.kind) {
    case 'public':
      return 'public';
    case 'channel':
      return 'channel';
    case 'user':
      return rule.roles.length ? `user(${rule.roles.join('|')})` : 'user';
    case 'node':
      return `node(${NodeAccessLevel[rule.capability]}${rule.grantInHandler ? ', grant read by the handler' : ''})`;
    case 'publicOrNode':
      return `public or node(${NodeAccessLevel[rule.capability]})`;
  }
}

const join = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;

/** Every controller route of a running app with its declared access rule, sorted. */
export function listRouteAccess(app: INestApplication): RouteAccess[] {
  const reflector = new Reflector();
  const routes: RouteAccess[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!controller) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (paths === undefined || method === undefined) continue;
        const rule = reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, controller]);
        for (const prefix of base) {
          for (const path of [paths].flat()) routes.push({ route: `${RequestMethod[method]} ${join(prefix, path)}`, access: describeRule(rule), rule });
        }
      }
    }
  }
  return routes.sort((x, y) => x.route.localeCompare(y.route));
}
