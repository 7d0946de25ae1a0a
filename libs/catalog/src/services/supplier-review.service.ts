import { AppError, AuthUser, Role } from '@huigong/common';
import { OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Supplier } from '../entities/supplier.entity';
import { SupplierTransition } from '../entities/supplier-transition.entity';
import { SUPPLIER_LIFECYCLE, SupplierAction } from '../lifecycle/supplier-lifecycle';
import { isUuid, lifecycleActor } from './catalog-helpers';

export interface ApprovalInput {
  username?: string;
  password?: string;
  displayName?: string;
}

export interface ApprovalResult {
  supplier: Supplier;
  staffUser: { id: string; username: string; displayName: string };
  /** only when generated: shown once, never stored in clear */
  initialPassword: string | null;
}

/** A platform admin's decisions on suppliers. Every change writes a supplier_transitions row. */
@Injectable()
export class SupplierReviewService {
  constructor(
    private readonly orgs: OrganizationsService,
    private readonly users: UsersService,
  ) {}

  /** Approves an application: creates the supplier organization and its first staff account. */
  async approve(em: EntityManager, admin: AuthUser, id: string, input: ApprovalInput): Promise<ApprovalResult> {
    const supplier = await this.lock(em, id);
    const t = SUPPLIER_LIFECYCLE.plan('approve', supplier.status, lifecycleActor(admin));
    const org = await this.orgs.create(em, { type: OrganizationType.Supplier, name: supplier.companyName, regionCode: supplier.regionCode });
    const generated = input.password ? null : randomBytes(12).toString('base64url');
    const username = input.username ?? `supplier-${supplier.id.slice(0, 8)}`;
    const displayName = input.displayName ?? `${supplier.companyName} ${supplier.contactName}`.slice(0, 100);
    const user = await this.users.create(admin, { organizationId: org.id, username, displayName, password: input.password ?? generated!, roles: [Role.SupplierStaff] }, em);
    await this.record(em, admin, supplier, t.action, t.to, null, { organizationId: org.id });
    return { supplier: await this.lock(em, id), staffUser: { id: user.id, username: user.username, displayName: user.displayName }, initialPassword: generated };
  }

  reject(em: EntityManager, admin: AuthUser, id: string, reason: string): Promise<Supplier> {
    return this.move(em, admin, id, 'reject', reason);
  }

  /** Hides every product of the supplier (a trigger marks them unlisted) until it is reinstated. */
  suspend(em: EntityManager, admin: AuthUser, id: string, reason: string): Promise<Supplier> {
    return this.move(em, admin, id, 'suspend', reason);
  }

  reinstate(em: EntityManager, admin: AuthUser, id: string, reason?: string): Promise<Supplier> {
    return this.move(em, admin, id, 'reinstate', reason);
  }

  /**
   * Records a verified certification (or removes it with null). Which products count as local follows
   * at once: a trigger re-derives their certified origin.
   */
  async certify(em: EntityManager, admin: AuthUser, id: string, certification: string | null, certifiedRegionCode?: string | null): Promise<Supplier> {
    if (lifecycleActor(admin) !== 'platform_admin') throw AppError.forbidden('Only platform admins verify certifications');
    const supplier = await this.lock(em, id);
    if (supplier.status !== 'approved' && supplier.status !== 'suspended') {
      throw AppError.conflict('INVALID_TRANSITION', `Certify an approved supplier; this one is ${supplier.status}`, { status: supplier.status });
    }
    const region = certification ? (certifiedRegionCode ?? supplier.regionCode) : null;
    await em.query(`UPDATE suppliers SET certification = $2, certified_region_code = $3, updated_at = now() WHERE id = $1`, [id, certification, region]);
    await em.insert(SupplierTransition, {
      supplierId: id,
      action: 'certify',
      fromStatus: supplier.status,
      toStatus: supplier.status,
      reason: certification ? `${certification} (${region})` : 'certification removed',
      actorUserId: admin.id,
    });
    return this.lock(em, id);
  }

  private async move(em: EntityManager, admin: AuthUser, id: string, action: SupplierAction, reason?: string): Promise<Supplier> {
    const supplier = await this.lock(em, id);
    const t = SUPPLIER_LIFECYCLE.plan(action, supplier.status, lifecycleActor(admin), reason);
    await this.record(em, admin, supplier, t.action, t.to, t.reason, {});
    return this.lock(em, id);
  }

  private async record(
    em: EntityManager,
    admin: AuthUser,
    supplier: Supplier,
    action: SupplierAction,
    to: Supplier['status'],
    reason: string | null,
    patch: { organizationId?: string },
  ): Promise<void> {
    await em.query(
      `UPDATE suppliers SET status = $2, status_reason = $3, organization_id = coalesce($4, organization_id), updated_at = now() WHERE id = $1`,
      [supplier.id, to, reason, patch.organizationId ?? null],
    );
    await em.insert(SupplierTransition, { supplierId: supplier.id, action, fromStatus: supplier.status, toStatus: to, reason, actorUserId: admin.id });
  }

  private async lock(em: EntityManager, id: string): Promise<Supplier> {
    const supplier = isUuid(id) ? await em.findOne(Supplier, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!supplier) throw AppError.notFound('Supplier', id);
    return supplier;
  }
}
