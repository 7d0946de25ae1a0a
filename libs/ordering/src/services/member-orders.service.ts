import { AuthUser, Page } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { OrderState } from '../domain/order-state-machine';
import { OrderDetailView, OrderSummaryView } from '../domain/order-views';
import { OrderAccessService } from './order-access.service';
import { OrderReader } from './order-reader.service';

/** A member's own orders: list and detail with the timeline. */
@Injectable()
export class MemberOrdersService {
  constructor(
    private readonly reader: OrderReader,
    private readonly access: OrderAccessService,
  ) {}

  list(user: AuthUser, q: { state?: OrderState; limit: number; offset: number }): Promise<Page<OrderSummaryView>> {
    return this.reader.list({ userId: user.id, states: q.state ? [q.state] : undefined, limit: q.limit, offset: q.offset });
  }

  async detail(user: AuthUser, id: string): Promise<OrderDetailView> {
    const order = await this.access.assert(user, await this.reader.find(id), 'member', id);
    return this.reader.detail(order, 'member');
  }
}
