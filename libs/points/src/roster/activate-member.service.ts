import { APP_CONFIG, AppConfig, AppError, RateLimiter, Role, TransactionRunner } from '@huigong/common';
import { AuthService, TokenPair, UsersService } from '@huigong/identity';
import { LedgerService } from '@huigong/ledger';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizePhone } from '../shared/csv.util';
import { ActivationCodesService } from './activation-codes.service';

export interface ActivateInput {
  phone: string;
  employeeNo: string;
  activationCode: string;
  username: string;
  password: string;
}

/**
 * A member proves who they are with phone + employee number + the activation code their union
 * handed out, chooses a username and password, and is logged in. The worker account is created in
 * the member's union; the grants credited before (their ledger accounts) get the new user as holder.
 * A wrong phone, number or code get the same answer, and attempts are rate-limited.
 */
@Injectable()
export class ActivateMemberService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly codes: ActivationCodesService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly ledger: LedgerService,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async activate(input: ActivateInput, ip: string): Promise<TokenPair & { memberId: string }> {
    const phone = normalizePhone(input.phone) ?? input.phone;
    const employeeNo = input.employeeNo.trim();
    await this.limiter.hit([`activate-ip:${ip}`, `activate-member:${phone}:${employeeNo}`], this.config.loginRateLimit, this.config.loginRateWindowSeconds);
    const { userId, memberId } = await this.tx.run(async (em) => {
      const candidates: { id: string; union_id: string; name: string; user_id: string | null; activation_code_hash: string | null; valid: boolean }[] = await em.query(
        `SELECT id, union_id, name, user_id, activation_code_hash, coalesce(activation_code_expires_at > now(), false) AS valid
           FROM members WHERE phone = $1 AND employee_no = $2 AND status = 'active' ORDER BY id FOR UPDATE`,
        [phone, employeeNo],
      );
      const member = candidates.find((c) => this.codes.matches(c.id, input.activationCode, c.activation_code_hash));
      if (!member) throw new AppError('INVALID_ACTIVATION', 'The phone number, employee number or activation code is wrong', 401);
      if (member.user_id) throw AppError.conflict('ALREADY_ACTIVATED', 'This member already has an account: log in instead');
      if (!member.valid) throw new AppError('ACTIVATION_CODE_EXPIRED', 'This activation code has expired: ask your union for a new one', 401);
      const user = await this.users.create(null, { organizationId: member.union_id, username: input.username, displayName: member.name, password: input.password, roles: [Role.Worker] }, em);
      await this.linkUser(em, member.id, user.id);
      return { userId: user.id, memberId: member.id };
    });
    await this.limiter.reset([`activate-member:${phone}:${employeeNo}`]);
    return { ...(await this.auth.issueForUser(userId)), memberId };
  }

  /**
   * Links a member to their user and makes the user the holder of every grant already credited.
   * Used by activation and by the demo data. Distribution chunks still to come read the link; a
   * chunk in flight reads the holders again under the campaign's progress row, which we lock first.
   */
  async linkUser(em: EntityManager, memberId: string, userId: string): Promise<void> {
    await em.query(
      `SELECT d.campaign_id FROM campaign_distributions d
        WHERE d.campaign_id IN (SELECT campaign_id FROM campaign_members WHERE member_id = $1 AND state = 'pending')
        ORDER BY d.campaign_id FOR UPDATE`,
      [memberId],
    );
    await em.query(`UPDATE members SET user_id = $2, activated_at = now(), activation_code_hash = NULL, activation_code_expires_at = NULL, updated_at = now() WHERE id = $1`, [memberId, userId]);
    const grants: { grant_account_id: string }[] = await em.query(
      `SELECT grant_account_id::text AS grant_account_id FROM campaign_members WHERE member_id = $1 AND grant_account_id IS NOT NULL ORDER BY grant_account_id`,
      [memberId],
    );
    for (const g of grants) await this.ledger.assignHolder(em, g.grant_account_id, userId);
  }
}
