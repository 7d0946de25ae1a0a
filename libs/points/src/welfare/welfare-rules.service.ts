import { AppError, AuthUser, hasRole, Role, TransactionRunner } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
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
 * default and per-province (region prefix) caps; a union's admin sets their union's cap for it or
 * for a union below it (one rule per union and setter), which applies to that union and the unions
 * below it. The cap that applies is the lowest of: the most specific platform rule for the union's
 * region, and every union rule on the union's path, whoever set it. A cap set by a higher union
 * binds the unions below: their admins may add a stricter one, not loosen or remove it.
 */
@Injectable()
export class WelfareRulesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly scope: AccessScopeService,
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

  /**
   * Sets the actor's own organization's rule for a union (a union admin's for their union or one
   * below it; a platform admin's, recorded as the platform's). A cap set for the union by a union
   * above the actor's (or by the platform) binds: the actor's rule may be stricter, never looser
   * (WELFARE_RULE_SET_ABOVE), and it never touches the other rule.
   */
  async setUnion(actor: AuthUser, unionId: string, dto: { annualCapFen: number; note?: string }): Promise<WelfareRule> {
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const above = await this.setAbove(actor, unionId, em);
      const binding = above.sort((a, b) => a.annualCapFen - b.annualCapFen)[0];
      if (binding && dto.annualCapFen > binding.annualCapFen) {
        throw AppError.forbidden(
          `A cap of ${binding.annualCapFen} fen was set for this union by a union above yours; your rule may be stricter, not looser`,
          'WELFARE_RULE_SET_ABOVE',
          { ruleId: binding.id, setByOrganizationId: binding.setByOrganizationId, annualCapFen: binding.annualCapFen, requestedFen: dto.annualCapFen },
        );
      }
      const [row] = await em.query(
        `INSERT INTO welfare_rules (scope, union_id, set_by_organization_id, annual_cap_fen, note, updated_by) VALUES ('union', $1, $2, $3, $4, $5)
         ON CONFLICT (union_id, set_by_organization_id) WHERE scope = 'union'
         DO UPDATE SET annual_cap_fen = EXCLUDED.annual_cap_fen, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING id`,
        [unionId, actor.organizationId, dto.annualCapFen, dto.note ?? null, actor.id],
      );
      return em.findOneOrFail(WelfareRule, { where: { id: row.id } });
    });
  }

  /**
   * Platform rules: platform admins. Union rules: whoever reaches the organization that set it (its
   * admins, those of the unions above it, platform admins). The admin of a union the rule applies to
   * (on its path) who does not reach its setter gets WELFARE_RULE_SET_ABOVE; anyone else OUT_OF_SCOPE
   * (recorded).
   */
  async remove(actor: AuthUser, id: string): Promise<void> {
    await this.tx.run(async (em) => {
      const rule = await em.findOne(WelfareRule, { where: { id } });
      if (!rule) throw AppError.notFound('Welfare rule', id);
      if (rule.scope === 'union' && !(await this.scope.canReachOrganization(actor, rule.setByOrganizationId!, em))) {
        // the rule applies to the actor's union (it is on their path or below them): it was set above them
        const [applies] = await em.query(
          `SELECT 1 FROM organizations r, organizations mine WHERE r.id = $1 AND mine.id = $2 AND (mine.path LIKE r.path || '%' OR r.path LIKE mine.path || '%')`,
          [rule.unionId, actor.organizationId],
        );
        if (!applies || !hasRole(actor, Role.UnionAdmin)) await this.scope.refuse(actor, 'Welfare rule', { organizationId: rule.unionId });
        throw AppError.forbidden('This cap was set by a union above yours; only it (or a union above it) changes or removes it', 'WELFARE_RULE_SET_ABOVE', {
          ruleId: rule.id,
          setByOrganizationId: rule.setByOrganizationId,
          annualCapFen: rule.annualCapFen,
        });
      }
      if (rule.scope === 'platform' && !hasRole(actor, Role.PlatformAdmin)) throw AppError.forbidden('Only platform admins change platform rules');
      await em.delete(WelfareRule, { id });
    });
  }

  /** The union rules that apply to a union (on its path) and were set above the actor: by an organization they do not reach. */
  private async setAbove(actor: AuthUser, unionId: string, em: EntityManager): Promise<WelfareRule[]> {
    if (this.scope.seesEverything(actor)) return [];
    const rules = (await this.effective(unionId, em)).rules.filter((r) => r.scope === 'union');
    const out: WelfareRule[] = [];
    for (const r of rules) if (!(await this.scope.canReachOrganization(actor, r.setByOrganizationId!, em))) out.push(r);
    return out;
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
