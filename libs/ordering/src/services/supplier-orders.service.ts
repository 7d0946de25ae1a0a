import { AuthUser, Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pickListCsv, PickListRow } from '../domain/pick-list-csv';
import { OrderState } from '../domain/order-state-machine';
import { OrderDetailView, OrderSummaryView } from '../domain/order-views';
import { OrderAccessService } from './order-access.service';
import { OrderReader } from './order-reader.service';

/** The most orders one pick list holds; a supplier with more filters by state or exports again after shipping. */
export const PICK_LIST_MAX_ORDERS = 5000;

/** A supplier's inbox: its own orders only (the supplier organization of the staff member). */
@Injectable()
export class SupplierOrdersService {
  constructor(
    private readonly reader: OrderReader,
    private readonly access: OrderAccessService,
    private readonly dataSource: DataSource,
  ) {}

  list(user: AuthUser, q: { state?: OrderState; limit: number; offset: number }): Promise<Page<OrderSummaryView>> {
    return this.reader.list({ supplierOrganizationId: user.organizationId, states: q.state ? [q.state] : undefined, limit: q.limit, offset: q.offset });
  }

  async detail(user: AuthUser, id: string): Promise<OrderDetailView> {
    const order = await this.access.assert(user, await this.reader.find(id), 'supplier', id);
    return this.reader.detail(order, 'supplier');
  }

  /** Orders to pick and pack (default: accepted, oldest first), one CSV row per line. */
  async pickList(user: AuthUser, state: OrderState = OrderState.Accepted): Promise<{ csv: string; orders: number; rows: number }> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH o AS (
         SELECT * FROM orders WHERE supplier_organization_id = $1 AND state = $2 ORDER BY placed_at, id LIMIT $3
       )
       SELECT o.id, o.placed_at, o.state, o.address, o.note, l.line_no, l.sku_id, l.product_name, l.spec, l.quantity, l.unit_price_fen, l.amount_fen
         FROM o JOIN order_lines l ON l.order_id = o.id
        ORDER BY o.placed_at, o.id, l.line_no`,
      [user.organizationId, state, PICK_LIST_MAX_ORDERS],
    );
    const out: PickListRow[] = rows.map((r) => {
      const a = r.address as { recipient: string; phone: string; regionCode: string | null; detail: string };
      return {
        order_id: r.id as string,
        placed_at: new Date(r.placed_at as Date).toISOString(),
        state: r.state as string,
        recipient: a.recipient,
        phone: a.phone,
        region_code: a.regionCode,
        address: a.detail,
        line_no: r.line_no as number,
        sku_id: r.sku_id as string,
        product_name: r.product_name as string,
        spec: r.spec as string,
        quantity: r.quantity as number,
        unit_price_fen: toSafeNumber(r.unit_price_fen as string),
        amount_fen: toSafeNumber(r.amount_fen as string),
        note: (r.note as string) ?? null,
      };
    });
    return { csv: pickListCsv(out), orders: new Set(out.map((r) => r.order_id)).size, rows: out.length };
  }
}
