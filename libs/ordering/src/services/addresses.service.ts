import { AppError, AuthUser } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { OrderAddress } from '../domain/order-views';

export interface AddressInput {
  recipient: string;
  phone: string;
  regionCode?: string | null;
  detail: string;
}

export interface SavedAddressView extends OrderAddress {
  id: string;
  createdAt: string;
  lastUsedAt: string;
}

interface AddressRow {
  id: string;
  recipient: string;
  phone: string;
  region_code: string | null;
  detail: string;
  created_at: Date;
  last_used_at: Date;
}

function toView(r: AddressRow): SavedAddressView {
  return { id: r.id, recipient: r.recipient, phone: r.phone, regionCode: r.region_code, detail: r.detail, createdAt: new Date(r.created_at).toISOString(), lastUsedAt: new Date(r.last_used_at).toISOString() };
}

function normalise(a: AddressInput): OrderAddress {
  return { recipient: a.recipient.trim(), phone: a.phone.replace(/\s+/g, ''), regionCode: a.regionCode ?? null, detail: a.detail.trim() };
}

function fingerprint(a: OrderAddress): string {
  return createHash('sha256').update(JSON.stringify([a.recipient, a.phone, a.regionCode, a.detail.replace(/\s+/g, ' ')])).digest('hex');
}

/** A member's saved delivery addresses. Orders keep their own copy, so deleting one changes no order. */
@Injectable()
export class AddressesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(user: AuthUser): Promise<SavedAddressView[]> {
    const rows: AddressRow[] = await this.dataSource.query(
      `SELECT * FROM member_addresses WHERE user_id = $1 AND deleted_at IS NULL ORDER BY last_used_at DESC, id LIMIT 50`,
      [user.id],
    );
    return rows.map(toView);
  }

  async save(user: AuthUser, input: AddressInput, em: EntityManager = this.dataSource.manager): Promise<SavedAddressView> {
    return toView(await this.upsert(em, user.id, normalise(input)));
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const rows = await this.dataSource.query(
      `UPDATE member_addresses SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id`,
      [id, user.id],
    );
    // UPDATE answers [rows, count]; another member's address id answers like an unknown one
    if (!rows[1]) throw AppError.notFound('Address', id);
  }

  /**
   * A new address given at checkout: normalised, with the fingerprint that deduplicates it. The
   * checkout keeps it among the saved addresses in its own insert statement (one round trip less).
   */
  prepare(input: AddressInput): { address: OrderAddress; fingerprint: string } {
    const address = normalise(input);
    return { address, fingerprint: fingerprint(address) };
  }

  /**
   * The saved addresses checkouts chose, as a part of the caller's own statement (a checkout group
   * reads them with its members and SKUs in one round trip): a SELECT over (user, address id) pairs
   * in parameters `$param` and `$param + 1` (uuid[] each), and `read`, which keys its rows
   * `user:address id` (lower case). Another user's, deleted and unknown ones are absent. Reading
   * marks nothing: the statement that places the orders marks the ones used (last_used_at), so a
   * refused checkout changes no address.
   */
  savedPart(param: number): { sql: string; read(rows: Record<string, unknown>[]): Map<string, OrderAddress> } {
    return {
      sql: `SELECT a.user_id, a.id, a.recipient, a.phone, a.region_code, a.detail
              FROM member_addresses a
              JOIN (SELECT DISTINCT * FROM unnest($${param}::uuid[], $${param + 1}::uuid[]) AS u (user_id, id)) AS q ON q.id = a.id AND q.user_id = a.user_id
             WHERE a.deleted_at IS NULL`,
      read: (rows) =>
        new Map(rows.map((r) => [`${r.user_id}:${r.id}`, { recipient: r.recipient as string, phone: r.phone as string, regionCode: (r.region_code as string | null) ?? null, detail: r.detail as string }])),
    };
  }

  private async upsert(em: EntityManager, userId: string, a: OrderAddress): Promise<AddressRow> {
    const [row] = await em.query(
      `INSERT INTO member_addresses (user_id, recipient, phone, region_code, detail, fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_used_at = now(), deleted_at = NULL
       RETURNING *`,
      [userId, a.recipient, a.phone, a.regionCode, a.detail, fingerprint(a)],
    );
    return row;
  }
}
