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

  /** A saved address chosen at checkout (marked as just used). */
  async useSaved(em: EntityManager, userId: string, addressId: string): Promise<OrderAddress> {
    const [r] = await em.query(
      `UPDATE member_addresses SET last_used_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING *`,
      [addressId, userId],
    );
    const row = r?.[0] as AddressRow | undefined; // UPDATE answers [rows, count]
    if (!row) throw AppError.unprocessable('ADDRESS_NOT_FOUND', 'The saved address does not exist (or was deleted)', { addressId });
    return { recipient: row.recipient, phone: row.phone, regionCode: row.region_code, detail: row.detail };
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
