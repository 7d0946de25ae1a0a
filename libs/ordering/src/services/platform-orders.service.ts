import { AuthUser, Page } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderState } from '../domain/order-state-machine';
import { OrderDetailView, OrderSummaryView } from '../domain/order-views';
import { OrderAccessService } from './order-access.service';
import { OrderReader } from './order-reader.service';

/** Every order, for platform admins and auditors (read-only). */
@Injectable()
export class PlatformOrdersService {
  constructor(
    private readonly reader: OrderReader,
    private readonly access: OrderAccessService,
  ) {}

  /** `em`: read inside the caller's transaction (e.g. an audit trace's snapshot); default, its own connection. */
  list(
    q: { state?: OrderState; supplierOrganizationId?: string; unionId?: string; userId?: string; memberId?: string; limit: number; offset: number },
    em?: EntityManager,
  ): Promise<Page<OrderSummaryView>> {
    return this.reader.list({ ...q, states: q.state ? [q.state] : undefined }, em);
  }

  async detail(user: AuthUser, id: string, em?: EntityManager): Promise<OrderDetailView> {
    const order = await this.access.assert(user, await this.reader.find(id, em), 'platform', id);
    return this.reader.detail(order, 'platform', em);
  }

  /** Many orders' details in two round trips, in the order of `ids` (an unknown id is 404). */
  async details(user: AuthUser, ids: string[], em?: EntityManager): Promise<OrderDetailView[]> {
    const rows = new Map((await this.reader.findMany(ids, em)).map((r) => [r.id, r]));
    const orders = [];
    for (const id of ids) orders.push(await this.access.assert(user, rows.get(id) ?? null, 'platform', id));
    return this.reader.details(orders, 'platform', em);
  }
}
