import { AppError, AuthUser, hasRole, Role } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ProductStatus } from '../lifecycle/product-lifecycle';
import type { SupplierStatus } from '../lifecycle/supplier-lifecycle';
import { isUuid } from './catalog-helpers';

export interface SupplierRef {
  id: string;
  companyName: string;
  status: SupplierStatus;
  regionCode: string;
  organizationId: string | null;
}

export interface ProductRef {
  id: string;
  supplierId: string;
  categoryId: string;
  status: ProductStatus;
  name: string;
  description: string;
  imageUrls: string[];
  originRegionCode: string;
}

/**
 * Supplier scoping, in one place: supplier staff reach their own supplier's products and SKUs only
 * (OUT_OF_SCOPE, recorded as a security event, otherwise); platform admins and auditors reach all.
 */
@Injectable()
export class SupplierAccessService {
  constructor(private readonly scope: AccessScopeService) {}

  /** The supplier the staff user works for. */
  async ownSupplier(em: EntityManager, user: AuthUser): Promise<SupplierRef> {
    const [row] = await em.query(
      `SELECT id, company_name AS "companyName", status, region_code AS "regionCode", organization_id AS "organizationId"
         FROM suppliers WHERE organization_id = $1`,
      [user.organizationId],
    );
    if (!row) throw AppError.forbidden('Your organization is not a catalog supplier', 'NOT_A_SUPPLIER', { organizationId: user.organizationId });
    return row;
  }

  /** The staff user's supplier, which must be approved (not pending, rejected or suspended) to list goods. */
  async activeSupplier(em: EntityManager, user: AuthUser): Promise<SupplierRef> {
    const s = await this.ownSupplier(em, user);
    if (s.status !== 'approved') {
      throw AppError.forbidden(`Supplier ${s.companyName} is ${s.status} and cannot change its listings`, 'SUPPLIER_NOT_ACTIVE', { status: s.status });
    }
    return s;
  }

  /** Null for platform admins and auditors (everything), the own supplier's id for supplier staff. */
  async supplierScope(em: EntityManager, user: AuthUser): Promise<string | null> {
    if (this.scope.seesEverything(user)) return null;
    if (hasRole(user, Role.SupplierStaff)) return (await this.ownSupplier(em, user)).id;
    throw AppError.forbidden('Only supplier staff, platform admins and auditors see unlisted catalog data');
  }

  /** Loads (and with `lock`, locks) a product the user may change. */
  async productForChange(em: EntityManager, user: AuthUser, productId: string, lock = true): Promise<ProductRef> {
    if (!isUuid(productId)) throw AppError.notFound('Product', productId);
    const [row] = await em.query(
      `SELECT id, supplier_id AS "supplierId", category_id AS "categoryId", status, name, description,
              image_urls AS "imageUrls", origin_region_code AS "originRegionCode"
         FROM products WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [productId],
    );
    if (!row) throw AppError.notFound('Product', productId);
    await this.assertSupplier(em, user, row.supplierId, 'Product', { productId });
    return row;
  }

  /**
   * Listed products (active, supplier approved) are visible to every signed-in user; others only to
   * platform admins, auditors and the owning supplier's staff. Anyone else gets NOT_FOUND, so drafts
   * do not reveal that they exist.
   */
  async assertProductVisible(em: EntityManager, user: AuthUser, productId: string): Promise<void> {
    const [row] = isUuid(productId)
      ? await em.query(`SELECT supplier_id, status = 'active' AND supplier_listed AS listed FROM products WHERE id = $1`, [productId])
      : [];
    if (!row) throw AppError.notFound('Product', productId);
    if (row.listed || this.scope.seesEverything(user)) return;
    if (hasRole(user, Role.SupplierStaff)) {
      const [own] = await em.query(`SELECT 1 FROM suppliers WHERE id = $1 AND organization_id = $2`, [row.supplier_id, user.organizationId]);
      if (own) return;
    }
    throw AppError.notFound('Product', productId);
  }

  /** Throws OUT_OF_SCOPE unless the user is a platform admin/auditor or staff of `supplierId`. */
  async assertSupplier(em: EntityManager, user: AuthUser, supplierId: string, what: string, detail: Record<string, unknown>): Promise<void> {
    const own = await this.supplierScope(em, user);
    if (own !== null && own !== supplierId) await this.scope.refuse(user, what, detail);
  }
}
