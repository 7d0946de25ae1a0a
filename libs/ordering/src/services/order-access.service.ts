import { AppError, AuthUser, hasRole, Role } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { OrderActorKind } from '../domain/order-state-machine';
import { OrderRow } from './order-reader.service';

/**
 * Who may see or act on an order: the member who placed it, staff of its supplier, platform
 * admins and auditors (reading). Anyone else gets 403 OUT_OF_SCOPE, recorded as a security event.
 */
@Injectable()
export class OrderAccessService {
  constructor(private readonly scope: AccessScopeService) {}

  /** As which party `user` reaches `order` through a route for `as`; refuses otherwise. */
  async assert(user: AuthUser, order: OrderRow | null, as: OrderActorKind | 'platform', orderId: string): Promise<OrderRow> {
    if (!order) throw AppError.notFound('Order', orderId);
    const ok =
      as === 'member'
        ? order.user_id === user.id
        : as === 'supplier'
          ? hasRole(user, Role.SupplierStaff) && order.supplier_organization_id === user.organizationId
          : as === 'platform'
            ? this.scope.seesEverything(user)
            : false;
    if (!ok) await this.scope.refuse(user, 'Order', { orderId: order.id });
    return order;
  }
}
