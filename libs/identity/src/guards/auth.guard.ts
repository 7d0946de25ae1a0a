import { AppError, CacheVersions, isReadOnly, PUBLIC_KEY, Role, ROLES_KEY } from '@huigong/common';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthService } from '../services/auth.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard: authenticates the bearer token, checks the route's declared roles, and
 * refuses every state-changing request of a read-only (auditor) user, whatever the route says.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly versions: CacheVersions,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    if (!roles?.length) {
      throw new AppError('ROUTE_WITHOUT_ROLES', 'This route declares no roles and is closed', 403);
    }
    const req = ctx.switchToHttp().getRequest<Request & { user?: unknown; cacheEpoch?: number }>();
    // taken before anything is awaited: cache look-ups of this request use version reads started after it
    req.cacheEpoch = this.versions.epoch();
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new AppError('UNAUTHORIZED', 'A bearer token is required', 401);
    const user = await this.auth.authenticate(token, req.cacheEpoch);
    if (!user) throw new AppError('UNAUTHORIZED', 'The token is invalid or expired, or the user is disabled', 401);
    req.user = user;
    if (isReadOnly(user) && !SAFE_METHODS.has(req.method)) {
      throw new AppError('AUDITOR_READ_ONLY', 'Auditors can read everything and change nothing', 403);
    }
    if (!user.roles.some((r) => roles.includes(r))) {
      throw new AppError('FORBIDDEN', `This route is for: ${roles.join(', ')}`, 403, { requiredRoles: roles });
    }
    return true;
  }
}
