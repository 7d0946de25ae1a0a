import { APP_CONFIG, AppConfig, AuthUser, toCsv, TransactionRunner } from '@huigong/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { UnionAccess } from '../shared/union-access.service';
import { ACTIVATION_NOTIFIER, ActivationNotifier } from './activation.notifier';

/** No 0/O, 1/I/L: codes are read aloud and typed from paper. 31^8 ≈ 8.5e11 codes. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;
export const CODE_VALIDITY_DAYS = 30;

export interface IssuedCode {
  memberId: string;
  employeeNo: string;
  name: string;
  phone: string;
  group: string;
  code: string;
  expiresAt: Date;
}

export type CodeSelection = 'new' | 'all';

/**
 * Activation codes, which a union hands to members who have no account yet. Only a keyed hash is
 * stored (HMAC-SHA256 with a key derived from the server secret, bound to the member id): fast
 * enough to issue 15,000 at once, useless to whoever reads the table without the secret. Attempts
 * are rate-limited at activation. Issuing again replaces a member's previous code.
 */
@Injectable()
export class ActivationCodesService {
  private readonly logger = new Logger(ActivationCodesService.name);
  private readonly key: Buffer;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    @Inject(ACTIVATION_NOTIFIER) private readonly notifier: ActivationNotifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = createHash('sha256').update(`huigong-activation-code:${config.jwtSecret}`).digest();
  }

  hash(memberId: string, code: string): string {
    return createHmac('sha256', this.key).update(`${memberId}:${code.trim().toUpperCase()}`).digest('hex');
  }

  matches(memberId: string, code: string, storedHash: string | null): boolean {
    if (!storedHash) return false;
    const a = Buffer.from(this.hash(memberId, code), 'hex');
    const b = Buffer.from(storedHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** `new`: members who never had a code; `all`: every member not activated yet (replacing their codes). */
  async issue(actor: AuthUser, unionId: string, selection: CodeSelection, memberIds?: string[]): Promise<{ unionName: string; codes: IssuedCode[] }> {
    return this.tx.run(async (em) => {
      const union = await this.access.reach(actor, unionId, em);
      const params: unknown[] = [unionId];
      let filter = '';
      if (selection === 'new') filter += ' AND activation_code_hash IS NULL';
      if (memberIds?.length) {
        params.push(memberIds);
        filter += ` AND id = ANY($${params.length}::uuid[])`;
      }
      const members: { id: string; employee_no: string; name: string; phone: string; group_name: string }[] = await em.query(
        `SELECT id, employee_no, name, phone, group_name FROM members
          WHERE union_id = $1 AND status = 'active' AND user_id IS NULL ${filter}
          ORDER BY employee_no FOR UPDATE`,
        params,
      );
      if (!members.length) return { unionName: union.name, codes: [] };
      const codes = members.map(() => Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join(''));
      const [{ expires_at }] = await em.query(`SELECT now() + make_interval(days => $1) AS expires_at`, [CODE_VALIDITY_DAYS]);
      await em.query(
        `UPDATE members m SET activation_code_hash = c.hash, activation_code_expires_at = $3, updated_at = now()
           FROM unnest($1::uuid[], $2::text[]) AS c(id, hash) WHERE m.id = c.id`,
        [members.map((m) => m.id), members.map((m, i) => this.hash(m.id, codes[i])), expires_at],
      );
      return {
        unionName: union.name,
        codes: members.map((m, i) => ({ memberId: m.id, employeeNo: m.employee_no, name: m.name, phone: m.phone, group: m.group_name, code: codes[i], expiresAt: expires_at })),
      };
    });
  }

  async csv(actor: AuthUser, unionId: string, selection: CodeSelection): Promise<string> {
    const { codes } = await this.issue(actor, unionId, selection);
    return toCsv(
      ['employee_no', 'name', 'phone', 'group', 'activation_code', 'expires_at'],
      codes.map((c) => [c.employeeNo, c.name, c.phone, c.group, c.code, c.expiresAt]),
    );
  }

  /** Issues codes, then (after the commit, never inside the transaction) sends each through the notifier. */
  async send(actor: AuthUser, unionId: string, selection: CodeSelection, memberIds?: string[]): Promise<{ issued: number; sent: number; failed: { memberId: string; reason: string }[] }> {
    const { unionName, codes } = await this.issue(actor, unionId, selection, memberIds);
    const failed: { memberId: string; reason: string }[] = [];
    for (const c of codes) {
      try {
        await this.notifier.sendActivationCode({ memberId: c.memberId, phone: c.phone, name: c.name, unionName, code: c.code, expiresAt: c.expiresAt });
      } catch (err) {
        this.logger.warn(`could not send activation code to member ${c.memberId}: ${(err as Error).message}`);
        failed.push({ memberId: c.memberId, reason: (err as Error).message });
      }
    }
    return { issued: codes.length, sent: codes.length - failed.length, failed };
  }
}
