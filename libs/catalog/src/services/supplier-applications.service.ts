import { AppError, AuthUser, hasRole, Page, RateLimiter, Role } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Supplier } from '../entities/supplier.entity';
import { SupplierTransition } from '../entities/supplier-transition.entity';
import { SUPPLIER_LIFECYCLE, SupplierStatus } from '../lifecycle/supplier-lifecycle';
import { isUuid } from './catalog-helpers';

export interface SupplierApplicationInput {
  companyName: string;
  contactName: string;
  contactPhone: string;
  contactEmail?: string;
  regionCode: string;
  categoryCodes: string[];
  introduction?: string;
  certification?: string;
  certifiedRegionCode?: string;
}

/** Applications are public: a few per address per hour is plenty for honest companies. */
const APPLY_LIMIT = 20;
const APPLY_WINDOW_SECONDS = 3600;

@Injectable()
export class SupplierApplicationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rateLimiter: RateLimiter,
    private readonly scope: AccessScopeService,
  ) {}

  /** A company applies to sell on the platform; a platform admin reviews the application. */
  async apply(em: EntityManager, input: SupplierApplicationInput, clientAddress: string): Promise<Supplier> {
    await this.rateLimiter.hit([`supplier-apply:${clientAddress}`], APPLY_LIMIT, APPLY_WINDOW_SECONDS);
    const codes = [...new Set(input.categoryCodes)];
    const found: { code: string; forbidden: boolean }[] = await em.query(`SELECT code, forbidden FROM categories WHERE code = ANY($1::text[])`, [codes]);
    const unknown = codes.filter((c) => !found.some((f) => f.code === c));
    if (unknown.length) throw AppError.unprocessable('UNKNOWN_CATEGORY', `Unknown categories: ${unknown.join(', ')}`, { unknown });
    const forbidden = found.filter((f) => f.forbidden).map((f) => f.code);
    if (forbidden.length) {
      throw AppError.unprocessable('CATEGORY_FORBIDDEN', `Union rules forbid selling ${forbidden.join(', ')} for points`, { forbidden });
    }
    const [open] = await em.query(`SELECT id, status FROM suppliers WHERE company_name = $1 AND status <> 'rejected'`, [input.companyName]);
    if (open) throw AppError.conflict('SUPPLIER_ALREADY_APPLIED', `${input.companyName} already has a ${open.status} application or account`, { status: open.status });
    const t = SUPPLIER_LIFECYCLE.plan('apply', null, 'applicant');
    const supplier = await em.save(
      em.create(Supplier, {
        companyName: input.companyName,
        contactName: input.contactName,
        contactPhone: input.contactPhone,
        contactEmail: input.contactEmail ?? null,
        regionCode: input.regionCode,
        categoryCodes: codes,
        introduction: input.introduction ?? '',
        certification: input.certification ?? null,
        // a certificate covers the supplier's own region unless it names another
        certifiedRegionCode: input.certification ? (input.certifiedRegionCode ?? input.regionCode) : null,
        status: t.to,
        statusReason: null,
        organizationId: null,
      }),
    );
    await em.insert(SupplierTransition, { supplierId: supplier.id, action: t.action, fromStatus: null, toStatus: t.to, reason: null, actorUserId: null });
    return supplier;
  }

  async list(user: AuthUser, q: { status?: SupplierStatus; q?: string; limit: number; offset: number }): Promise<Page<Supplier>> {
    if (!this.scope.seesEverything(user)) throw AppError.forbidden('Only platform admins and auditors list suppliers');
    const qb = this.dataSource.getRepository(Supplier).createQueryBuilder('s').orderBy('s.createdAt', 'DESC').addOrderBy('s.id').take(q.limit).skip(q.offset);
    if (q.status) qb.andWhere('s.status = :status', { status: q.status });
    if (q.q) qb.andWhere('strpos(lower(s.company_name), lower(:q)) > 0', { q: q.q });
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  /** Platform admins and auditors see any supplier, supplier staff their own. */
  async get(user: AuthUser, id: string): Promise<{ supplier: Supplier; history: SupplierTransition[] }> {
    const supplier = isUuid(id) ? await this.dataSource.getRepository(Supplier).findOne({ where: { id } }) : null;
    if (!supplier) throw AppError.notFound('Supplier', id);
    if (!this.scope.seesEverything(user)) {
      const own = hasRole(user, Role.SupplierStaff) && supplier.organizationId === user.organizationId;
      if (!own) await this.scope.refuse(user, 'Supplier', { supplierId: id });
    }
    const history = await this.dataSource.getRepository(SupplierTransition).find({ where: { supplierId: id }, order: { id: 'ASC' } });
    return { supplier, history };
  }
}
