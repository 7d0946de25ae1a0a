import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versions that in-memory caches are keyed by (libs/common CacheVersionReader): `catalog` for the
 * search-results cache (libs/catalog README, "Search results cache"), `identity` for the
 * authenticated-user cache (libs/identity). Every statement that can change what such a cache holds
 * marks its transaction with the version's name; at commit the transaction replaces that version with
 * a fresh random one. Any API process that reads the version after the commit keys its cache
 * differently, so it never serves what was read before the change — whichever process, import or
 * script made it.
 *
 * Why deferred to commit: bumping one row in the middle of a transaction would hold its lock from the
 * first marked statement on, and two edits touching the same rows in the opposite order would
 * deadlock on it. Taken at commit, it is the last lock a transaction takes.
 * Why random, not a counter: a TRUNCATE of the table (or a restored dump) can never bring back a
 * version some process still holds entries for.
 * Why statement triggers with column lists: the checkout's stock and sales-count updates and the
 * login's bookkeeping name none of these columns, so the hot paths never fire them.
 */
export class CacheVersions1765700000000 implements MigrationInterface {
  name = 'CacheVersions1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cache_versions (
        name text PRIMARY KEY,
        version uuid NOT NULL
      );
      INSERT INTO cache_versions VALUES ('catalog', gen_random_uuid()), ('identity', gen_random_uuid());
      -- one row per transaction and version it changed, removed again at its commit
      CREATE TABLE cache_version_changes (txid xid8 NOT NULL, name text NOT NULL, PRIMARY KEY (txid, name));

      CREATE FUNCTION cache_version_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO cache_version_changes VALUES (pg_current_xact_id(), TG_ARGV[0]) ON CONFLICT DO NOTHING;
          RETURN NULL;
        END
      $$;
      -- the first firing at commit replaces every version the transaction changed, in name order (two
      -- transactions that changed the same two never lock them crosswise); later firings find none left
      CREATE FUNCTION cache_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          WITH pending AS (DELETE FROM cache_version_changes WHERE txid = NEW.txid RETURNING name)
          INSERT INTO cache_versions SELECT name, gen_random_uuid() FROM pending ORDER BY name
            ON CONFLICT (name) DO UPDATE SET version = excluded.version;
          RETURN NULL;
        END
      $$;
      CREATE CONSTRAINT TRIGGER cache_version_bump AFTER INSERT ON cache_version_changes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_version_bump();

      -- catalog: what a search page shows, except stock, sales counts and ratings (bounded by the TTL)
      CREATE TRIGGER products_cache_version AFTER INSERT OR DELETE OR UPDATE OF name, description, image_urls, category_id, supplier_id,
          origin_region_code, status, min_price_fen, max_price_fen, supplier_listed, origin_certified
        ON products FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER products_cache_version_truncate AFTER TRUNCATE ON products FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER skus_cache_version AFTER INSERT OR DELETE OR UPDATE OF price_fen, product_id
        ON skus FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER skus_cache_version_truncate AFTER TRUNCATE ON skus FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER suppliers_cache_version AFTER INSERT OR DELETE OR UPDATE OF company_name, status, certified_region_code
        ON suppliers FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER suppliers_cache_version_truncate AFTER TRUNCATE ON suppliers FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER categories_cache_version AFTER INSERT OR DELETE OR UPDATE
        ON categories FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');
      CREATE TRIGGER categories_cache_version_truncate AFTER TRUNCATE ON categories FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('catalog');

      -- identity: what the request guard loads (who, which organization and its type, roles, disabled)
      CREATE TRIGGER users_cache_version AFTER DELETE OR UPDATE OF id, username, organization_id, roles, disabled_at
        ON users FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('identity');
      CREATE TRIGGER users_cache_version_truncate AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('identity');
      CREATE TRIGGER organizations_cache_version AFTER DELETE OR UPDATE OF id, type
        ON organizations FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('identity');
      CREATE TRIGGER organizations_cache_version_truncate AFTER TRUNCATE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION cache_version_note_change('identity');

      GRANT SELECT, INSERT, UPDATE, DELETE ON cache_versions, cache_version_changes TO huigong_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER products_cache_version ON products;
      DROP TRIGGER products_cache_version_truncate ON products;
      DROP TRIGGER skus_cache_version ON skus;
      DROP TRIGGER skus_cache_version_truncate ON skus;
      DROP TRIGGER suppliers_cache_version ON suppliers;
      DROP TRIGGER suppliers_cache_version_truncate ON suppliers;
      DROP TRIGGER categories_cache_version ON categories;
      DROP TRIGGER categories_cache_version_truncate ON categories;
      DROP TRIGGER users_cache_version ON users;
      DROP TRIGGER users_cache_version_truncate ON users;
      DROP TRIGGER organizations_cache_version ON organizations;
      DROP TRIGGER organizations_cache_version_truncate ON organizations;
      DROP TABLE cache_version_changes;
      DROP TABLE cache_versions;
      DROP FUNCTION cache_version_bump();
      DROP FUNCTION cache_version_note_change();
    `);
  }
}
