import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Points allocation (libs/points): union profiles, agreements, deposits, two-admin budget
 * adjustments, the member roster, campaigns with their lifecycle history and per-member grants,
 * distribution progress and welfare rules. Money itself lives in the ledger's
 * tables; the `*_account_id` columns point at ledger accounts (no foreign key across contexts).
 * Every table carries the union id it would be distributed by (Citus).
 */
export class Points1764400000000 implements MigrationInterface {
  name = 'Points1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE unions (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id),
        city_region_code text CHECK (city_region_code ~ '^[0-9]{6}$'),
        contact_name text CHECK (length(contact_name) <= 64),
        contact_phone text CHECK (contact_phone ~ '^[0-9+ -]{5,20}$'),
        funding_account_id bigint NOT NULL,
        budget_account_id bigint NOT NULL,
        onboarded_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE union_agreements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        union_id uuid NOT NULL REFERENCES unions(organization_id),
        number text NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 64),
        signed_on date NOT NULL,
        term_start date NOT NULL,
        term_end date NOT NULL,
        expected_headcount int NOT NULL CHECK (expected_headcount >= 0),
        expected_amount_fen bigint NOT NULL CHECK (expected_amount_fen >= 0),
        credit_limit_fen bigint NOT NULL DEFAULT 0 CHECK (credit_limit_fen >= 0),
        document_ref text CHECK (length(document_ref) <= 500),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'superseded')),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (term_end >= term_start)
      );
      -- one agreement in force per union; signing a new one supersedes the old
      CREATE UNIQUE INDEX union_agreements_active ON union_agreements (union_id) WHERE status = 'active';

      CREATE TABLE union_deposits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        union_id uuid NOT NULL REFERENCES unions(organization_id),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        bank_reference text NOT NULL CHECK (length(bank_reference) BETWEEN 1 AND 64),
        received_on date NOT NULL,
        note text,
        ledger_entry_id text NOT NULL,
        recorded_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (union_id, bank_reference)
      );

      CREATE TABLE budget_adjustments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        union_id uuid NOT NULL REFERENCES unions(organization_id),
        direction text NOT NULL CHECK (direction IN ('increase', 'decrease')),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        reason text NOT NULL CHECK (length(reason) BETWEEN 4 AND 500),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        requested_by uuid NOT NULL REFERENCES users(id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        decision_note text,
        ledger_entry_id text,
        -- the four-eyes rule, also in the schema: nobody approves their own request
        CHECK (decided_by IS NULL OR decided_by <> requested_by),
        CHECK ((status = 'pending') = (decided_by IS NULL)),
        CHECK ((status = 'approved') = (ledger_entry_id IS NOT NULL))
      );
      CREATE INDEX budget_adjustments_union ON budget_adjustments (union_id, requested_at);
      CREATE INDEX budget_adjustments_pending ON budget_adjustments (requested_at) WHERE status = 'pending';

      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        union_id uuid NOT NULL REFERENCES unions(organization_id),
        employee_no text NOT NULL CHECK (employee_no ~ '^[A-Za-z0-9_-]{1,32}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        phone text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        group_name text NOT NULL DEFAULT '' CHECK (length(group_name) <= 64),
        join_date date,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left')),
        left_at timestamptz,
        leave_reason text,
        user_id uuid UNIQUE REFERENCES users(id),
        activation_code_hash text,
        activation_code_expires_at timestamptz,
        activated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (union_id, employee_no),
        CHECK ((status = 'left') = (left_at IS NOT NULL))
      );
      CREATE INDEX members_phone ON members (phone, employee_no);
      CREATE INDEX members_union_group ON members (union_id, group_name, id);

      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        union_id uuid NOT NULL REFERENCES unions(organization_id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        purpose text CHECK (length(purpose) <= 500),
        amount_mode text NOT NULL CHECK (amount_mode IN ('flat', 'per_member')),
        points_per_member_fen bigint CHECK (points_per_member_fen > 0),
        eligible_groups text[],
        opens_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        allowed_category_ids text[],
        per_member_cap_fen bigint CHECK (per_member_cap_fen > 0),
        distribute_at timestamptz,
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'approved', 'distributing', 'open', 'closed', 'settled', 'cancelled')),
        total_fen bigint NOT NULL DEFAULT 0 CHECK (total_fen >= 0),
        member_count int NOT NULL DEFAULT 0,
        pool_account_id bigint,
        expired_fen bigint NOT NULL DEFAULT 0,
        returned_fen bigint NOT NULL DEFAULT 0,
        close_passes int NOT NULL DEFAULT 0,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (closes_at > opens_at),
        CHECK ((amount_mode = 'flat') = (points_per_member_fen IS NOT NULL)),
        CHECK (status IN ('draft', 'cancelled') OR pool_account_id IS NOT NULL)
      );
      CREATE INDEX campaigns_union ON campaigns (union_id, created_at);
      CREATE INDEX campaigns_status ON campaigns (status, closes_at);

      -- the lifecycle's audit trail: one row per transition (who, when, why)
      CREATE TABLE campaign_transitions (
        id bigserial PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        union_id uuid NOT NULL,
        action text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL,
        reason text,
        details jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX campaign_transitions_campaign ON campaign_transitions (campaign_id, id);

      -- who gets what in a campaign: a snapshot taken at approval (flat) or uploaded (per member).
      -- member_id has no foreign key on purpose: the check would KEY SHARE-lock every member row
      -- of a million-member snapshot (+40 % on approval); members are never deleted (they leave).
      CREATE TABLE campaign_members (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        member_id uuid NOT NULL,
        union_id uuid NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('draft', 'pending', 'credited', 'withdrawn')),
        grant_account_id bigint,
        credited_at timestamptz,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, member_id),
        CHECK ((state = 'credited') = (grant_account_id IS NOT NULL AND credited_at IS NOT NULL))
      ) WITH (fillfactor = 90);
      -- the distribution job walks what is still to credit, in member id order
      CREATE INDEX campaign_members_pending ON campaign_members (campaign_id, member_id) WHERE state = 'pending';
      CREATE INDEX campaign_members_member ON campaign_members (member_id);
      -- refunds ask which campaign a grant account belongs to
      CREATE INDEX campaign_members_grant ON campaign_members (grant_account_id) WHERE grant_account_id IS NOT NULL;

      CREATE TABLE campaign_distributions (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id),
        union_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
        total_members int NOT NULL DEFAULT 0,
        credited_members int NOT NULL DEFAULT 0,
        credited_fen bigint NOT NULL DEFAULT 0,
        chunks int NOT NULL DEFAULT 0,
        runs int NOT NULL DEFAULT 0,
        started_at timestamptz,
        last_progress_at timestamptz,
        finished_at timestamptz,
        last_error text
      );

      -- annual cap per member, as configuration: platform-wide (optionally per region prefix, as
      -- provinces differ) and per union (applies to the union and every union below it)
      CREATE TABLE welfare_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('platform', 'union')),
        region_prefix text CHECK (region_prefix ~ '^[0-9]{2,6}$'),
        union_id uuid REFERENCES organizations(id),
        annual_cap_fen bigint NOT NULL CHECK (annual_cap_fen > 0),
        note text CHECK (length(note) <= 500),
        updated_by uuid REFERENCES users(id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((scope = 'union') = (union_id IS NOT NULL)),
        CHECK (scope = 'platform' OR region_prefix IS NULL)
      );
      CREATE UNIQUE INDEX welfare_rules_platform ON welfare_rules ((coalesce(region_prefix, ''))) WHERE scope = 'platform';
      CREATE UNIQUE INDEX welfare_rules_union ON welfare_rules (union_id) WHERE scope = 'union';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE welfare_rules, campaign_distributions, campaign_members, campaign_transitions,
        campaigns, members, budget_adjustments, union_deposits, union_agreements, unions
    `);
  }
}
