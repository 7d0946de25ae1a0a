import { AppError, preparedQuery, toSafeNumber } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { grantKeys } from '../shared/grant-accounts.util';

/** A grant the member may spend right now (for the ordering context). */
export interface SpendableGrant {
  grantAccountId: string;
  campaignId: string;
  campaignName: string;
  unionId: string;
  closesAt: string;
  /** catalog category ids/codes the points may buy; null = anything */
  allowedCategoryIds: string[] | null;
  /** the most one member receives in this campaign (fen), if the campaign set one */
  perMemberCapFen: number | null;
  /** fen, > 0 (≥ 0 with includeEmpty) */
  balance: number;
}

/** A row of the spendable-grants statements. */
interface GrantRow {
  member_id: string;
  grant_account_id: string;
  campaign_id: string;
  name: string;
  union_id: string;
  closes_at: string;
  allowed_category_ids: string[] | null;
  per_member_cap_fen: string | null;
  balance: string | null;
}

function toSpendableGrant(r: GrantRow): SpendableGrant {
  return {
    grantAccountId: r.grant_account_id,
    campaignId: r.campaign_id,
    campaignName: r.name,
    unionId: r.union_id,
    closesAt: r.closes_at,
    allowedCategoryIds: r.allowed_category_ids,
    perMemberCapFen: r.per_member_cap_fen === null ? null : toSafeNumber(r.per_member_cap_fen),
    balance: toSafeNumber(r.balance ?? 0),
  };
}

/** A checking-out user's active member, with the member's spendable grants (checkoutMembersOf). */
export interface CheckoutMember {
  memberId: string;
  unionId: string;
  grants: SpendableGrant[];
}

export interface RefundTarget {
  accountId: string;
  reason: 'grant' | 'campaign_pool' | 'union_budget';
}

/**
 * When a grant can be spent, the one rule for spendableGrantsOf and checkoutMembersOf: credited,
 * its member active, its campaign open by the database clock (opens_at ≤ now() < closes_at).
 * Over campaign_members cm, campaigns c, members m.
 */
const SPENDABLE_GRANT = `cm.state = 'credited' AND m.status = 'active' AND c.status = 'open' AND c.opens_at <= now() AND now() < c.closes_at`;

/**
 * The points context's face for other contexts (ordering, audit). Everything here runs in the
 * caller's transaction when given one, and decides time by the database clock.
 */
@Injectable()
export class PointsQueryService {
  constructor(private readonly ledgerQuery: LedgerQueryService) {}

  /**
   * The spendable grants (empty ones included) of many members in one statement, for
   * group-committed checkouts and for spendableGrants: each member's grants in the order an order
   * draws on them, members without any absent.
   */
  async spendableGrantsOf(em: EntityManager, memberIds: string[]): Promise<Map<string, SpendableGrant[]>> {
    const out = new Map<string, SpendableGrant[]>();
    if (!memberIds.length) return out;
    const rows: GrantRow[] = await preparedQuery(
      em,
      'points.spendable-grants-of',
      `SELECT cm.member_id, cm.grant_account_id::text AS grant_account_id, c.id AS campaign_id, c.name, c.union_id,
              to_char(c.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closes_at,
              c.allowed_category_ids, c.per_member_cap_fen, ledger_account_balance(cm.grant_account_id)::text AS balance
         FROM campaign_members cm
         JOIN campaigns c ON c.id = cm.campaign_id
         JOIN members m ON m.id = cm.member_id
        WHERE cm.member_id = ANY($1::uuid[]) AND ${SPENDABLE_GRANT}
        ORDER BY cm.member_id, c.closes_at ASC, c.id ASC`,
      [memberIds],
    );
    for (const r of rows) {
      let list = out.get(r.member_id);
      if (!list) out.set(r.member_id, (list = []));
      list.push(toSpendableGrant(r));
    }
    return out;
  }

  /**
   * For a group of checkouts, in one statement: each user's active member and that member's
   * spendable grants (empty ones included), as spendableGrantsOf gives them — so that a checkout
   * group needs no round trip of its own to find its members. Users without an active member are
   * absent; a member without an open grant has `grants: []`.
   */
  async checkoutMembersOf(em: EntityManager, userIds: string[]): Promise<Map<string, CheckoutMember>> {
    if (!userIds.length) return new Map();
    const part = this.checkoutMembersPart(1);
    return part.read(await preparedQuery(em, 'points.checkout-members-of', part.sql, [userIds]));
  }

  /**
   * checkoutMembersOf as a part of the caller's own statement (a checkout group reads its members,
   * SKUs and limits in one round trip): a SELECT over the user ids in parameter `$param` (uuid[]),
   * one row per user with an active member (`user_id`, `member_id`, `member_union_id`, `grants`
   * as JSON, earliest close first), and `read`, which turns its rows into checkoutMembersOf's map.
   */
  checkoutMembersPart(param: number): { sql: string; read(rows: Record<string, unknown>[]): Map<string, CheckoutMember> } {
    return {
      // amounts as text inside the JSON too, as the row form gives them (no float on the way)
      sql: `SELECT m.user_id, m.id AS member_id, m.union_id AS member_union_id,
                   (SELECT coalesce(json_agg(json_build_object(
                             'grant_account_id', cm.grant_account_id::text, 'campaign_id', c.id, 'name', c.name, 'union_id', c.union_id,
                             'closes_at', to_char(c.closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                             'allowed_category_ids', c.allowed_category_ids, 'per_member_cap_fen', c.per_member_cap_fen::text,
                             'balance', ledger_account_balance(cm.grant_account_id)::text)
                           ORDER BY c.closes_at ASC, c.id ASC), '[]'::json)
                      FROM campaign_members cm
                      JOIN campaigns c ON c.id = cm.campaign_id
                     WHERE cm.member_id = m.id AND ${SPENDABLE_GRANT}) AS grants
              FROM members m
             WHERE m.user_id = ANY($${param}::uuid[]) AND m.status = 'active'`,
      read: (rows) => {
        const out = new Map<string, CheckoutMember>();
        for (const r of rows) {
          out.set(r.user_id as string, {
            memberId: r.member_id as string,
            unionId: r.member_union_id as string,
            grants: (r.grants as GrantRow[]).map(toSpendableGrant),
          });
        }
        return out;
      },
    };
  }

  /**
   * The member's grants with a positive balance in campaigns whose window is open by the
   * database clock (status open, opens_at ≤ now() < closes_at), earliest-closing first, then by
   * campaign id: the order in which an order should draw on them.
   */
  async spendableGrants(em: EntityManager, memberId: string, opts: { includeEmpty?: boolean } = {}): Promise<SpendableGrant[]> {
    const grants = (await this.spendableGrantsOf(em, [memberId])).get(memberId) ?? [];
    // includeEmpty: ordering tells a spent grant (INSUFFICIENT_POINTS) from a closed window (WINDOW_CLOSED)
    return opts.includeEmpty ? grants : grants.filter((g) => g.balance > 0);
  }

  /**
   * Where a refund of money that came from this grant goes: back to the grant while its window is
   * open; to the campaign pool once closes_at has passed but the close job has not run (it will
   * return the pool); to the union budget once the campaign is closed or settled (or the member
   * left). Takes a share lock on the campaign row so the close cannot slip between this answer and
   * the caller's commit.
   */
  async refundTarget(em: EntityManager, grantAccountId: string): Promise<RefundTarget> {
    const [key] = await grantKeys(this.ledgerQuery, [grantAccountId], em);
    if (!key) throw AppError.notFound('Grant account', grantAccountId);
    const [r] = await em.query(
      `SELECT c.status, c.pool_account_id::text AS pool_account_id, u.budget_account_id::text AS budget_account_id,
              m.status AS member_status, (c.opens_at <= now() AND now() < c.closes_at) AS window_open
         FROM campaign_members cm
         JOIN campaigns c ON c.id = cm.campaign_id
         JOIN unions u ON u.organization_id = c.union_id
         JOIN members m ON m.id = cm.member_id
        WHERE cm.campaign_id = $2 AND cm.member_id = $3 AND cm.grant_account_id = $1
          FOR SHARE OF c`,
      [grantAccountId, key.campaignId, key.memberId],
    );
    if (!r) throw AppError.notFound('Grant account', grantAccountId);
    if (r.status === 'closed' || r.status === 'settled') return { accountId: r.budget_account_id, reason: 'union_budget' };
    if (r.member_status !== 'active') return r.window_open ? { accountId: r.pool_account_id, reason: 'campaign_pool' } : { accountId: r.budget_account_id, reason: 'union_budget' };
    if (r.status === 'open' && r.window_open) return { accountId: grantAccountId, reason: 'grant' };
    return { accountId: r.pool_account_id, reason: 'campaign_pool' };
  }
}
