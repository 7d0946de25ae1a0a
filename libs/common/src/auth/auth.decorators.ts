import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body';
import { AuthUser, Role } from './roles';

export const ROLES_KEY = 'huigong:roles';
export const PUBLIC_KEY = 'huigong:public';

/**
 * Every route declares who may call it: `@Roles(...)` or `@Public()`. The guard refuses a route
 * that declares neither, so a forgotten declaration fails closed. The roles also go into the
 * OpenAPI document (`x-roles`).
 */
export function Roles(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiExtension('x-roles', roles),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: missing, invalid or expired token, or disabled user', type: ErrorBodyDto }),
    ApiForbiddenResponse({ description: `FORBIDDEN: allowed roles: ${roles.join(', ')}; AUDITOR_READ_ONLY for auditors on writes; or outside your scope`, type: ErrorBodyDto }),
  );
}

export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension('x-roles', ['public']));
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest().user;
});

/**
 * The CacheVersions epoch the guard took when the request arrived (undefined on public routes): a
 * cache look-up passing it may use any version read that started after the request arrived.
 */
export const RequestCacheEpoch = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  return ctx.switchToHttp().getRequest().cacheEpoch;
});
