import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('platform', 'union', 'enterprise', 'supplier')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        parent_id uuid REFERENCES organizations(id),
        path text NOT NULL,
        region_code text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX organizations_path ON organizations (path text_pattern_ops);
      CREATE INDEX organizations_parent ON organizations (parent_id);

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id),
        username text NOT NULL CHECK (length(username) BETWEEN 2 AND 64),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['platform_admin','union_admin','worker','supplier_staff','auditor']),
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_username ON users (lower(username));
      CREATE INDEX users_organization ON users (organization_id);

      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        queue text NOT NULL,
        name text NOT NULL,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        delay_ms bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        UNIQUE (queue, job_id)
      );
      CREATE INDEX outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;

      -- processors record the jobs they ran, so a redelivered job id is recognised
      CREATE TABLE job_runs (
        queue text NOT NULL,
        job_id text NOT NULL,
        name text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        runs int NOT NULL DEFAULT 1,
        first_run_at timestamptz NOT NULL DEFAULT now(),
        last_run_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue, job_id)
      );

      CREATE TABLE security_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        user_id uuid,
        kind text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX security_events_at ON security_events (at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE security_events, job_runs, outbox, refresh_tokens, users, organizations`);
  }
}
