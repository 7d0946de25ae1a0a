import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalog: suppliers (applications and their review), the category tree, products with SKUs,
 * the product lifecycle history, append-only stock movements, and the search index. Why the search
 * works the way it does is in libs/catalog/README.md.
 */
export class Catalog1764300000000 implements MigrationInterface {
  name = 'Catalog1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- trigram similarity for operators' ad-hoc queries; product search uses the gram index below
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      -- GB/T 2260: a code ending in 0000 is a province, one ending in 00 a city; each covers the codes below it
      CREATE FUNCTION catalog_region_covers(parent text, child text) RETURNS boolean
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN parent IS NULL OR child IS NULL THEN false
            WHEN right(parent, 4) = '0000' THEN left(child, 2) = left(parent, 2)
            WHEN right(parent, 2) = '00' THEN left(child, 4) = left(parent, 4)
            ELSE child = parent
          END
        $$;

      -- What product search compares: lower case (Latin letters; CJK has no case), any whitespace one space.
      CREATE FUNCTION catalog_normalize(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT translate(lower(t), E'\\t\\n\\r\\u3000', '    ') $$;

      -- Every character and every pair of adjacent characters of a normalized text (none with a space).
      -- A query of two or more characters contains all its bigrams, a one-character query that character,
      -- so a GIN index over these finds 2-character Chinese queries (大米) that trigrams cannot, and for
      -- 1 and 2 characters its answer is exact. plpgsql because it is 10x faster here than set-based SQL.
      CREATE FUNCTION catalog_search_grams(t text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
          DECLARE
            c text[] := string_to_array(t, NULL);
            grams text[] := array_remove(c, ' ');
          BEGIN
            FOR i IN 1 .. cardinality(c) - 1 LOOP
              IF c[i] <> ' ' AND c[i + 1] <> ' ' THEN
                grams := grams || (c[i] || c[i + 1]);
              END IF;
            END LOOP;
            RETURN grams;
          END
        $$;

      -- A product's grams, from its name and description. Indexed as an expression rather than stored:
      -- GIN answers @> exactly (no recheck), and rows without the grams are 40 % of the size, so a
      -- search touches fewer pages.
      CREATE FUNCTION catalog_product_grams(name text, description text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT catalog_search_grams(catalog_normalize(name || ' ' || description)) $$;

      -- The grams a query term must find: its bigrams, or the character itself when it has only one.
      CREATE FUNCTION catalog_query_grams(q text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE WHEN length(n) <= 1 THEN ARRAY[n]
                      ELSE ARRAY(SELECT DISTINCT substr(n, i, 2) FROM generate_series(1, length(n) - 1) i) END
            FROM (SELECT catalog_normalize(q) AS n) x
        $$;

      CREATE FUNCTION catalog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END
      $$;

      CREATE TABLE suppliers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_name text NOT NULL CHECK (length(company_name) BETWEEN 2 AND 200),
        contact_name text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 100),
        contact_phone text NOT NULL CHECK (contact_phone ~ '^[0-9+ -]{5,30}$'),
        contact_email text CHECK (length(contact_email) <= 200),
        region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
        category_codes text[] NOT NULL DEFAULT '{}',
        introduction text NOT NULL DEFAULT '' CHECK (length(introduction) <= 2000),
        -- the certificate (绿色食品 LB-..., 农产品地理标志 AGI...) and the origin region it covers, verified
        -- by a platform admin; a product whose origin lies in that region has a certified origin
        certification text CHECK (length(certification) BETWEEN 1 AND 200),
        certified_region_code text CHECK (certified_region_code ~ '^[0-9]{6}$'),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
        status_reason text,
        organization_id uuid UNIQUE REFERENCES organizations(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT suppliers_certification_pair CHECK ((certification IS NULL) = (certified_region_code IS NULL)),
        CONSTRAINT suppliers_approved_have_org CHECK (status IN ('pending', 'rejected') OR organization_id IS NOT NULL)
      );
      CREATE INDEX suppliers_status ON suppliers (status, created_at);
      -- one open application or account per company
      CREATE UNIQUE INDEX suppliers_company_open ON suppliers (company_name) WHERE status <> 'rejected';

      CREATE TABLE supplier_transitions (
        id bigserial PRIMARY KEY,
        supplier_id uuid NOT NULL REFERENCES suppliers(id),
        action text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        reason text,
        actor_user_id uuid,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX supplier_transitions_supplier ON supplier_transitions (supplier_id, id);

      CREATE TABLE categories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        parent_id uuid REFERENCES categories(id),
        -- ids from the root down to this category
        path uuid[] NOT NULL CHECK (path[cardinality(path)] = id),
        -- cash equivalents and the like; a child of a forbidden category is forbidden too
        forbidden boolean NOT NULL DEFAULT false,
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX categories_path ON categories USING gin (path);
      CREATE INDEX categories_parent ON categories (parent_id);

      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        supplier_id uuid NOT NULL REFERENCES suppliers(id),
        category_id uuid NOT NULL REFERENCES categories(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        image_urls text[] NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 10),
        origin_region_code text NOT NULL CHECK (origin_region_code ~ '^[0-9]{6}$'),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_review', 'active', 'rejected', 'delisted')),
        status_reason text,
        -- cached from the SKUs, for sorting and display
        min_price_fen bigint,
        max_price_fen bigint,
        -- filled in by ordering through CatalogService
        sales_count bigint NOT NULL DEFAULT 0 CHECK (sales_count >= 0),
        rating_sum bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
        rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
        rating_avg numeric(3, 2) GENERATED ALWAYS AS (CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 2) ELSE 0 END) STORED,
        -- derived from the supplier by the triggers below, never written by hand: the supplier is
        -- approved (not suspended); the origin lies in the region the supplier's certification covers
        supplier_listed boolean NOT NULL DEFAULT false,
        origin_certified boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (id, supplier_id)
      );
      CREATE INDEX products_supplier ON products (supplier_id, status);
      CREATE INDEX products_pending ON products (updated_at, id) WHERE status = 'pending_review';
      -- What shoppers see ("listed": an active product of an approved supplier). Keyword matches come
      -- from the gram index; a category page (and the local goods) read every sort key from a covering
      -- index (index-only); the unfiltered listing walks one index per sort order.
      CREATE INDEX products_listed_search ON products USING gin (catalog_product_grams(name, description)) WHERE status = 'active' AND supplier_listed;
      CREATE INDEX products_listed_category ON products (category_id) INCLUDE (id, sales_count, min_price_fen, rating_avg, rating_count)
        WHERE status = 'active' AND supplier_listed;
      CREATE INDEX products_listed_sales ON products (sales_count DESC, id) WHERE status = 'active' AND supplier_listed;
      CREATE INDEX products_listed_price ON products (min_price_fen, id) WHERE status = 'active' AND supplier_listed;
      CREATE INDEX products_listed_rating ON products (rating_avg DESC, rating_count DESC, id) WHERE status = 'active' AND supplier_listed;
      CREATE INDEX products_listed_local ON products (origin_region_code) INCLUDE (id, sales_count, min_price_fen, rating_avg, rating_count)
        WHERE status = 'active' AND supplier_listed AND origin_certified;

      -- A product never sits in a forbidden category, whatever code writes it, and what it inherits from
      -- its supplier is derived here rather than trusted from the writer.
      CREATE FUNCTION catalog_products_derive() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          x record;
        BEGIN
          -- one look-up for both (bulk imports run this for every row)
          SELECT c.forbidden, s.status, s.certified_region_code INTO x
            FROM categories c, suppliers s WHERE c.id = NEW.category_id AND s.id = NEW.supplier_id;
          IF x.forbidden AND (TG_OP = 'INSERT' OR NEW.category_id IS DISTINCT FROM OLD.category_id) THEN
            RAISE EXCEPTION 'category % is forbidden for products', NEW.category_id
              USING ERRCODE = 'check_violation', CONSTRAINT = 'products_category_not_forbidden';
          END IF;
          NEW.supplier_listed := coalesce(x.status = 'approved', false);
          NEW.origin_certified := coalesce(catalog_region_covers(x.certified_region_code, NEW.origin_region_code), false);
          RETURN NEW;
        END
      $$;
      CREATE TRIGGER products_derive BEFORE INSERT OR UPDATE OF category_id, supplier_id, origin_region_code, supplier_listed, origin_certified
        ON products FOR EACH ROW EXECUTE FUNCTION catalog_products_derive();

      -- suspending a supplier hides its products; a new certification changes which origins are certified
      CREATE FUNCTION catalog_suppliers_propagate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE products
             SET supplier_listed = (NEW.status = 'approved')
           WHERE supplier_id = NEW.id;
          RETURN NULL;
        END
      $$;
      CREATE TRIGGER suppliers_propagate AFTER UPDATE OF status, certified_region_code ON suppliers
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.certified_region_code IS DISTINCT FROM NEW.certified_region_code)
        EXECUTE FUNCTION catalog_suppliers_propagate();

      CREATE TABLE product_transitions (
        id bigserial PRIMARY KEY,
        product_id uuid NOT NULL REFERENCES products(id),
        action text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        reason text,
        actor_user_id uuid,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX product_transitions_product ON product_transitions (product_id, id);

      CREATE TABLE skus (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        product_id uuid NOT NULL,
        supplier_id uuid NOT NULL,
        -- the supplier's own code: bulk imports are idempotent by it
        sku_code text NOT NULL CHECK (sku_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        spec text NOT NULL CHECK (length(spec) BETWEEN 1 AND 100),
        price_fen bigint NOT NULL CHECK (price_fen > 0 AND price_fen <= 100000000),
        -- the current stock, cached beside its movements: never negative
        stock integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
        per_member_limit integer CHECK (per_member_limit > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (supplier_id, sku_code),
        FOREIGN KEY (product_id, supplier_id) REFERENCES products (id, supplier_id)
      );
      CREATE INDEX skus_product ON skus (product_id);

      CREATE TABLE stock_movements (
        id bigserial PRIMARY KEY,
        sku_id uuid NOT NULL REFERENCES skus(id),
        kind text NOT NULL CHECK (kind IN ('adjustment', 'sale', 'release')),
        delta integer NOT NULL CHECK (delta <> 0),
        stock_after integer NOT NULL CHECK (stock_after >= 0),
        reference text,
        reason text,
        idempotency_key text,
        actor_user_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stock_movements_sale_decreases CHECK (kind <> 'sale' OR delta < 0),
        CONSTRAINT stock_movements_release_increases CHECK (kind <> 'release' OR delta > 0)
      );
      CREATE INDEX stock_movements_sku ON stock_movements (sku_id, id);
      CREATE INDEX stock_movements_reference ON stock_movements (reference, sku_id) WHERE reference IS NOT NULL;
      CREATE UNIQUE INDEX stock_movements_idempotency ON stock_movements (sku_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

      CREATE TABLE product_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        supplier_id uuid NOT NULL REFERENCES suppliers(id),
        actor_user_id uuid,
        rows integer NOT NULL,
        created integer NOT NULL,
        updated integer NOT NULL,
        unchanged integer NOT NULL,
        errors integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX product_imports_supplier ON product_imports (supplier_id, at);

      -- history and stock movements are append-only at the database level
      CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
        FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
      CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_refuse_change();
      CREATE TRIGGER product_transitions_append_only BEFORE UPDATE OR DELETE ON product_transitions
        FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
      CREATE TRIGGER product_transitions_no_truncate BEFORE TRUNCATE ON product_transitions
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_refuse_change();
      CREATE TRIGGER supplier_transitions_append_only BEFORE UPDATE OR DELETE ON supplier_transitions
        FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
      CREATE TRIGGER supplier_transitions_no_truncate BEFORE TRUNCATE ON supplier_transitions
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE product_imports, stock_movements, skus, product_transitions, products, categories, supplier_transitions, suppliers;
      DROP FUNCTION catalog_products_derive(), catalog_suppliers_propagate(), catalog_refuse_change(),
        catalog_query_grams(text), catalog_product_grams(text, text), catalog_search_grams(text), catalog_normalize(text), catalog_region_covers(text, text);
    `);
  }
}
