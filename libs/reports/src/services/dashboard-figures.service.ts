import { CatalogReportingService, QINGDAO_CITY_PREFIX } from '@huigong/catalog';
import { TransactionRunner } from '@huigong/common';
import { OrganizationsService } from '@huigong/identity';
import { OrderReportingService } from '@huigong/ordering';
import { PointsReportingService } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { assembleDashboard, Dashboard, DashboardFigures, ReportPeriod } from '../domain/dashboard';

/**
 * Gathers one dashboard's figures from the contexts that own them (identity: the union tree;
 * points: credits; ordering: orders, spending, reviews; catalog: origins, categories, suppliers)
 * in one REPEATABLE READ, read-only snapshot, so the figures agree with each other.
 */
@Injectable()
export class DashboardFiguresService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orgs: OrganizationsService,
    private readonly points: PointsReportingService,
    private readonly orders: OrderReportingService,
    private readonly catalog: CatalogReportingService,
  ) {}

  /** rootUnionId null: every union of the platform. */
  build(scope: Dashboard['scope'], rootUnionId: string | null, period: ReportPeriod, top: number): Promise<Dashboard> {
    return this.tx.run(
      async (em) => {
        await em.query('SET TRANSACTION READ ONLY');
        // planner settings for this transaction only: with the default random_page_cost (4) a union's
        // spending joins its orders' lines by scanning every line (84 ms instead of 5 ms at 100k orders),
        // and the platform's grouping spills to disk with the default 4 MB work_mem
        await em.query(`SET LOCAL random_page_cost = 1.1`);
        await em.query(`SET LOCAL work_mem = '32MB'`);
        const unions = await this.orgs.unionTree(rootUnionId, em);
        // always by union id: the (union_id, time) indexes of the reports migration then bound every scan
        const filter = { unionIds: unions.map((u) => u.id), from: period.from, to: period.to };
        const orders = await this.orders.byUnion(filter, em);
        const supplierOrders = await this.orders.bySupplier(filter, em);
        const spending = await this.orders.spending(filter, em);
        const reviews = await this.orders.reviewsByUnion(filter, em);
        const credits = await this.points.creditsByUnion(filter, em);
        const figures: DashboardFigures = {
          unions,
          orders,
          supplierOrders,
          spending,
          credits,
          reviews,
          productOrigins: await this.catalog.productOrigins([...new Set(spending.map((s) => s.productId))], em),
          topLevelCategories: await this.catalog.topLevelCategories([...new Set(spending.map((s) => s.categoryId))], em),
          suppliers: await this.catalog.suppliers([...new Set(supplierOrders.map((s) => s.supplierId))], em),
        };
        return assembleDashboard(scope, period, figures, { top, fallbackCityPrefix: QINGDAO_CITY_PREFIX });
      },
      { isolation: 'REPEATABLE READ' },
    );
  }
}
