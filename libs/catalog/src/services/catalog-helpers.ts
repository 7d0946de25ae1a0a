import { AppError, AuthUser, hasRole, Role } from '@huigong/common';
import type { LifecycleActor } from '../lifecycle/state-machine';

/** The lifecycle role a user acts in: platform admins moderate, supplier staff manage their own goods. */
export function lifecycleActor(user: AuthUser): LifecycleActor {
  if (hasRole(user, Role.PlatformAdmin)) return 'platform_admin';
  if (hasRole(user, Role.SupplierStaff)) return 'supplier';
  throw AppError.forbidden('Only supplier staff and platform admins change the catalog');
}

/** Splits `items` into slices of at most `size`, for bulk statements of bounded size. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}
