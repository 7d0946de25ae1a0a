import { CatalogDemoSeeder } from '@huigong/catalog';
import { Role, TransactionRunner } from '@huigong/common';
import { OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { PointsDemoSeeder } from '@huigong/points';
import { Injectable, Logger } from '@nestjs/common';

export const DEMO_PASSWORD = 'huigong-demo';

export const DEMO_USERS: { username: string; role: Role; displayName: string }[] = [
  { username: 'admin', role: Role.PlatformAdmin, displayName: '平台管理员' },
  { username: 'union-admin', role: Role.UnionAdmin, displayName: '青岛港集团工会 管理员' },
  { username: 'worker', role: Role.Worker, displayName: '王师傅' },
  { username: 'supplier', role: Role.SupplierStaff, displayName: '崂山农品合作社 店员' },
  { username: 'auditor', role: Role.Auditor, displayName: '审计员' },
];

/**
 * Demo data for a fresh database: one user per role and the organizations they belong to. Loaded
 * only when the database has no users, and never when NODE_ENV=production.
 */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orgs: OrganizationsService,
    private readonly users: UsersService,
    private readonly points: PointsDemoSeeder,
    private readonly catalog: CatalogDemoSeeder,
  ) {}

  async seedIfEmpty(): Promise<boolean> {
    if ((await this.users.count()) > 0) return false;
    await this.tx.run(async (em) => {
      const platform = await this.orgs.platform(em);
      const federation = await this.orgs.create(em, { type: OrganizationType.Union, name: '青岛市总工会', parentId: platform.id, regionCode: '370200' });
      const union = await this.orgs.create(em, { type: OrganizationType.Union, name: '青岛港集团工会', parentId: federation.id, regionCode: '370202' });
      const supplier = await this.orgs.create(em, { type: OrganizationType.Supplier, name: '崂山农品合作社', regionCode: '370212' });
      const orgFor: Record<Role, string> = {
        [Role.PlatformAdmin]: platform.id,
        [Role.Auditor]: platform.id,
        [Role.UnionAdmin]: union.id,
        [Role.Worker]: union.id,
        [Role.SupplierStaff]: supplier.id,
      };
      for (const u of DEMO_USERS) {
        await this.users.create(null, { organizationId: orgFor[u.role], username: u.username, displayName: u.displayName, password: DEMO_PASSWORD, roles: [u.role] }, em);
      }
      // 30 categories + the forbidden one, ~200 suppliers (the demo `supplier` user's among them), DEMO_PRODUCTS products
      await this.catalog.seed(em, { demoSupplierOrganizationId: supplier.id });
    });
    // the demo union's agreement, deposit, roster (with `worker`) and an open, distributed campaign
    await this.points.seed();
    this.logger.log('demo data loaded');
    return true;
  }
}
