export enum Role {
  PlatformAdmin = 'platform_admin',
  UnionAdmin = 'union_admin',
  Worker = 'worker',
  SupplierStaff = 'supplier_staff',
  Auditor = 'auditor',
}

export const ALL_ROLES: Role[] = Object.values(Role);

/** Who is making a request, as the guards established it. Passed explicitly into services. */
export interface AuthUser {
  id: string;
  username: string;
  organizationId: string;
  organizationType: string;
  roles: Role[];
}

export function hasRole(user: AuthUser, ...roles: Role[]): boolean {
  return user.roles.some((r) => roles.includes(r));
}

/** An auditor with no other role may read everything and change nothing. */
export function isReadOnly(user: AuthUser): boolean {
  return user.roles.length > 0 && user.roles.every((r) => r === Role.Auditor);
}
