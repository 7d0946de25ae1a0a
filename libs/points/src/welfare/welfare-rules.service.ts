import { AppError, AuthUser, hasRole, Role, TransactionRunner } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { UnionAccess } from '../shared/union-access.service';
import { WelfareRule } from './welfare-rule.entity';

export interface EffectiveCap {
  unionId: string;
  annualCapFen: number | null;
  rules: WelfareRule[];
}

/**
 * Welfare rules are rows, not code: the annual cap on points per member. The platform sets a
 * default and per-province (region prefix) caps; a union may set a lower cap for itself and the
 * unions below it. The cap that applies is the lowest of: the most specific platform rule for the
 * union's region, and every union rule on the union's path.
 */
@Injectable()
export class WelfareRulesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly dataSource: DataSource,
  ) {}

  async setPlatform(actor: AuthUser, dto: { regionPrefix?: string; annualCapFen: number; note?: string }): Promise<WelfareRule> {
    return this.tx.run(async (em) => {
      const [row] = await em.query(
        `INSERT INTO welfare_rules (scope, region_prefix, annual_cap_fen, note, updated_by) VALUES ('platform', $1, $2, $3, $4)
         ON CONFLICT ((coalesce(region_prefix, ''))) WHERE scope = 'platform'
         DO UPDATE SET annual_cap_fen = EXCLUDED.annual_cap_fen, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING id`,
        [dto.regionPrefix ?? null, dto.annualCapFen, dto.note ?? null, actor.id],
      );
      return em.findOneOrFail(WelfareRule, { where: { id: row.id } });
    });
  }

  async setUnion(actor: AuthUser, unionId: string, dto: { annualCapFen: number; note?: string }): Promise<WelfareRule> {
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const [row] = await em.query(
        `INSERT INTO welfare_rules (scope, union_id, annual_cap_fen, note, updated_by) VALUES ('union', $1, $2, $3, $4)
         ON CONFLICT (union_id) WHERE scope = 'union'
         DO UPDATE SET annual_cap_fen = EXCLUDED.annual_cap_fen, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING id`,
        [unionId, dto.annualCapFen, dto.note ?? null, actor.id],
      );
      return em.findOneOrFail(WelfareRule, { where: { id: row.id } });
    });
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    await this.tx.run(async (em) => {
      const rule = await em.findOne(WelfareRule, { where: { id } });
      if (!rule) throw AppError.notFound('Welfare rule', id);
      if (rule.scope === 'union') await this.access.reach(actor, rule.unionId!, em);
      else if (!hasRole(actor, Role.PlatformAdmin)) throw AppError.forbidden('Only platform admins change platform rules');
      await em.delete(WelfareRule, { id });
    });
  }

  async list(actor: AuthUser, unionId?: string): Promise<WelfareRule[]> {
    if (unionId) {
      await this.access.reach(actor, unionId);
      return (await this.effective(unionId)).rules;
    }
    const path = await this.access.scopePath(actor);
    const repo = this.dataSource.getRepository(WelfareRule);
    if (path === null) return repo.find({ order: { scope: 'ASC', regionPrefix: 'ASC' } });
    // a union admin sees the platform rules and the union rules on or below their path
    return repo
      .createQueryBuilder('r')
      .leftJoin('organizations', 'o', 'o.id = r.union_id')
      .where(`r.scope = 'platform' OR o.path LIKE :p`, { p: `${path}%` })
      .orderBy('r.scope')
      .getMany();
  }

  async effective(unionId: string, em: EntityManager = this.dataSource.manager): Promise<EffectiveCap> {
    const [org] = await em.query(
      `SELECT o.path, coalesce(u.city_region_code, o.region_code, '') AS region FROM organizations o LEFT JOIN unions u ON u.organization_id = o.id WHERE o.id = $1`,
      [unionId],
    );
    if (!org) throw AppError.notFound('Union', unionId);
    const ancestors = (org.path as string).split('/').filter(Boolean);
    const rows = await em
      .getRepository(WelfareRule)
      .createQueryBuilder('r')
      .where(`r.scope = 'platform' AND (r.region_prefix IS NULL OR :region LIKE r.region_prefix || '%')`, { region: org.region })
      .orWhere(`r.scope = 'union' AND r.union_id = ANY(:ancestors::uuid[])`, { ancestors })
      .getMany();
    // the most specific platform rule (longest region prefix) wins among platform rules
    const platform = rows.filter((r) => r.scope === 'platform').sort((a, b) => (b.regionPrefix?.length ?? 0) - (a.regionPrefix?.length ?? 0))[0];
    const rules = [...(platform ? [platform] : []), ...rows.filter((r) => r.scope === 'union')];
    const annualCapFen = rules.length ? Math.min(...rules.map((r) => r.annualCapFen)) : null;
    return { unionId, annualCapFen, rules };
  }
}
