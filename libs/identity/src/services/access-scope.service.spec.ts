import { AuthUser, Role } from '@huigong/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessScopeService } from './access-scope.service';
import { SecurityEventsService } from './security-events.service';

describe('AccessScopeService.canReachOrganization', () => {
  const org = '6f1c2f7e-8a55-4c3e-9d1a-0b6f3c2d1e00';
  const supplierUser: AuthUser = { id: 'u', username: 'u', organizationId: org, organizationType: 'supplier', roles: [Role.SupplierStaff] };
  // a supplier's reach is its own organization: no statement may be needed to answer it
  const em = { query: jest.fn(() => Promise.reject(new Error('no query expected'))) } as unknown as EntityManager;
  const scope = new AccessScopeService({} as DataSource, {} as SecurityEventsService);

  it('a user reaches their own organization however the id is spelled, and no other', async () => {
    expect(await scope.canReachOrganization(supplierUser, org, em)).toBe(true);
    expect(await scope.canReachOrganization(supplierUser, org.toUpperCase(), em)).toBe(true);
    expect(await scope.canReachOrganization(supplierUser, '6f1c2f7e-8a55-4c3e-9d1a-0b6f3c2d1e01', em)).toBe(false);
  });
});
