import { PUBLIC_KEY, Role, ROLES_KEY } from '@huigong/common';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface RouteInfo {
  method: string;
  path: string;
  roles: Role[] | null;
  isPublic: boolean;
  handler: string;
}

const joinPath = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`;

/**
 * Every route the application serves, read from Nest's own metadata (the same the router uses), with
 * the roles it declares. The authorization matrix runs over this list, so a new route is covered the
 * moment it exists.
 */
export function routeInventory(app: INestApplication, prefix = 'api/v1', unprefixed = ['health']): RouteInfo[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const out: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const controllerPaths = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
    const proto = Object.getPrototypeOf(instance);
    for (const name of scanner.getAllMethodNames(proto)) {
      const fn = proto[name];
      const routePath = Reflect.getMetadata(PATH_METADATA, fn);
      if (routePath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn) as number];
      const roles = reflector.getAllAndOverride<Role[]>(ROLES_KEY, [fn, metatype]) ?? null;
      const isPublic = !!reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [fn, metatype]);
      for (const cp of controllerPaths) {
        for (const rp of ([] as string[]).concat(routePath)) {
          const bare = joinPath(cp, rp);
          const path = unprefixed.some((u) => bare === `/${u}` || bare.startsWith(`/${u}/`)) ? bare : joinPath(prefix, bare);
          out.push({ method, path, roles, isPublic, handler: `${metatype.name}.${name}` });
        }
      }
    }
  }
  return out;
}

/** A concrete URL for a route pattern: path parameters become a random-but-valid uuid. */
export function concretePath(path: string): string {
  return path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
}
