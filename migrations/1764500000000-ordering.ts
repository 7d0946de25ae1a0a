import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ordering and fulfilment (libs/ordering): checkouts, orders (one per supplier), their lines with
 * price and name snapshots, the grants each order was paid from, the transition history, the
 * ledger entries of each order, saved addresses and reviews. Plus the generic
 * `idempotency_requests` table of libs/common (IdempotencyService).
 *
 * Money lives in the ledger; `*_account_id` / `*_entry_id` columns point at ledger rows (no
 * foreign key across contexts). Every order table carries the union id it would be distributed
 * by (Citus); lines, payments and history carry the order id they are co-located with.
 */
export class Ordering1764500000000 implements MigrationInterface {
  name = 'Ordering1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Idempotency-Key of any value-moving request (libs/common IdempotencyService). The row is
      -- written in the same transaction as the business change, so a refused request leaves none.
      CREATE TABLE idempotency_requests (
        scope text NOT NULL CHECK (length(scope) BETWEEN 1 AND 64),
        user_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
        request_hash text NOT NULL,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (user_id, scope, key)
      );

      CREATE TABLE member_addresses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        recipient text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 64),
        phone text NOT NULL CHECK (phone ~ '^[0-9+ -]{5,20}$'),
        region_code text CHECK (region_code ~ '^[0-9]{6}$'),
        detail text NOT NULL CHECK (length(detail) BETWEEN 1 AND 300),
        -- the same address given twice is kept once
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX member_addresses_fingerprint ON member_addresses (user_id, fingerprint);

      CREATE TABLE checkouts (
        id uuid PRIMARY KEY,
        union_id uuid NOT NULL,
        member_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id),
        total_fen bigint NOT NULL CHECK (total_fen > 0),
        ledger_entry_id bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        checkout_id uuid NOT NULL REFERENCES checkouts(id),
        union_id uuid NOT NULL,
        member_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id),
        supplier_id uuid NOT NULL,
        -- no foreign key: its check would share-lock the supplier's organization row in every
        -- order, one row all of a popular supplier's checkouts would queue on (multixacts)
        supplier_organization_id uuid NOT NULL,
        state text NOT NULL CHECK (state IN ('placed', 'accepted', 'shipped', 'delivered', 'completed',
          'cancelled', 'rejected', 'return_requested', 'returned', 'return_declined')),
        total_fen bigint NOT NULL CHECK (total_fen > 0),
        item_count int NOT NULL CHECK (item_count > 0),
        escrow_account_id bigint NOT NULL,
        payable_account_id bigint,
        address jsonb NOT NULL,
        carrier text CHECK (length(carrier) <= 64),
        tracking_no text CHECK (length(tracking_no) <= 64),
        note text CHECK (length(note) <= 500),
        placed_at timestamptz NOT NULL DEFAULT now(),
        accepted_at timestamptz,
        shipped_at timestamptz,
        delivered_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz,
        rejected_at timestamptz,
        return_requested_at timestamptz,
        returned_at timestamptz,
        return_declined_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (state NOT IN ('shipped', 'delivered') OR (carrier IS NOT NULL AND tracking_no IS NOT NULL)),
        CHECK (state NOT IN ('completed', 'return_requested', 'returned', 'return_declined') OR (completed_at IS NOT NULL AND payable_account_id IS NOT NULL))
      );
      -- every index is written by every checkout: only those the lists need
      CREATE INDEX orders_user ON orders (user_id, placed_at DESC, id);
      CREATE INDEX orders_supplier_state ON orders (supplier_organization_id, state, placed_at, id);
      CREATE INDEX orders_state ON orders (state, placed_at, id);

      CREATE TABLE order_lines (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        line_no int NOT NULL CHECK (line_no > 0),
        member_id uuid NOT NULL,
        sku_id uuid NOT NULL,
        product_id uuid NOT NULL,
        -- snapshots: what the member saw and paid, whatever the catalog says later
        product_name text NOT NULL,
        spec text NOT NULL,
        category_id uuid NOT NULL,
        unit_price_fen bigint NOT NULL CHECK (unit_price_fen > 0),
        quantity int NOT NULL CHECK (quantity > 0),
        amount_fen bigint NOT NULL CHECK (amount_fen = unit_price_fen * quantity),
        UNIQUE (order_id, line_no)
      );
      -- per-member purchase limits count what the member already bought of a SKU
      CREATE INDEX order_lines_member_sku ON order_lines (member_id, sku_id);

      -- which grant paid how much of each order: refunds go back to the very same grants
      CREATE TABLE order_payments (
        order_id uuid NOT NULL REFERENCES orders(id),
        grant_account_id bigint NOT NULL,
        campaign_id uuid NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        refund_account_id bigint,
        refund_route text CHECK (refund_route IN ('grant', 'campaign_pool', 'union_budget')),
        refunded_at timestamptz,
        PRIMARY KEY (order_id, grant_account_id),
        CHECK ((refund_route IS NULL) = (refund_account_id IS NULL) AND (refund_route IS NULL) = (refunded_at IS NULL))
      );

      -- every transition: who, when, why
      CREATE TABLE order_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        action text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        actor_kind text NOT NULL CHECK (actor_kind IN ('member', 'supplier', 'system', 'platform')),
        actor_user_id uuid,
        reason text CHECK (length(reason) <= 500),
        details jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX order_history_order ON order_history (order_id, id);

      -- the ledger entries that moved this order's value (payment, completion, refund)
      CREATE TABLE order_ledger_entries (
        order_id uuid NOT NULL REFERENCES orders(id),
        ledger_entry_id bigint NOT NULL,
        kind text NOT NULL CHECK (kind IN ('payment', 'completion', 'refund', 'return_refund')),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, ledger_entry_id)
      );

      CREATE TABLE order_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id),
        order_line_id uuid NOT NULL UNIQUE REFERENCES order_lines(id),
        union_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id),
        product_id uuid NOT NULL,
        sku_id uuid NOT NULL,
        stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
        text text NOT NULL DEFAULT '' CHECK (length(text) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX order_reviews_product ON order_reviews (product_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE order_reviews, order_ledger_entries, order_history, order_payments, order_lines, orders, checkouts,
        member_addresses, idempotency_requests
    `);
  }
}
