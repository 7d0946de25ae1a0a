import { AppError, AuthUser, Page, hasRole, Role } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { StockMovementKind } from '../entities/stock-movement.entity';
import { isUuid } from './catalog-helpers';
import { StockService } from './stock.service';
import { SupplierAccessService } from './supplier-access.service';

export interface MovementView {
  id: number;
  kind: StockMovementKind;
  delta: number;
  stockAfter: number;
  reference: string | null;
  reason: string | null;
  actorUserId: string | null;
  createdAt: Date;
}

/** The supplier's side of stock: adjusting its own SKUs and reading their movements. */
@Injectable()
export class StockAdjustmentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockService,
    private readonly access: SupplierAccessService,
  ) {}

  async adjust(em: EntityManager, user: AuthUser, skuId: string, delta: number, reason: string, idempotencyKey?: string): Promise<{ skuId: string; stock: number }> {
    if (!hasRole(user, Role.SupplierStaff)) throw AppError.forbidden('Only supplier staff adjust stock');
    await this.assertSku(em, user, skuId);
    return { skuId, stock: await this.stock.adjust(em, skuId, delta, reason, user.id, idempotencyKey) };
  }

  /** Newest first. */
  async movements(user: AuthUser, skuId: string, q: { limit: number; offset: number }): Promise<Page<MovementView> & { stock: number }> {
    const em = this.dataSource.manager;
    const stock = await this.assertSku(em, user, skuId);
    const items: MovementView[] = await em.query(
      `SELECT id::int, kind, delta, stock_after AS "stockAfter", reference, reason, actor_user_id AS "actorUserId", created_at AS "createdAt"
         FROM stock_movements WHERE sku_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [skuId, q.limit, q.offset],
    );
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM stock_movements WHERE sku_id = $1`, [skuId]);
    return { items, total: n, limit: q.limit, offset: q.offset, stock };
  }

  private async assertSku(em: EntityManager, user: AuthUser, skuId: string): Promise<number> {
    const [sku] = isUuid(skuId) ? await em.query(`SELECT supplier_id, stock FROM skus WHERE id = $1`, [skuId]) : [];
    if (!sku) throw AppError.notFound('SKU', skuId);
    await this.access.assertSupplier(em, user, sku.supplier_id, 'SKU', { skuId });
    return sku.stock;
  }
}
