import { AppError, CacheVersions } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

export interface CategoryNode {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  path: string[];
  forbidden: boolean;
  position: number;
  children: CategoryNode[];
}

interface CategoryCache {
  loadedAt: number;
  /** the catalog cache version known when it was read (CacheVersions.latest) */
  version?: string;
  roots: CategoryNode[];
  byId: Map<string, CategoryNode>;
}

/** Categories change rarely and are read on every category page: keep them in memory for a short while. */
const CACHE_TTL_MS = 30_000;

@Injectable()
export class CategoriesService {
  private cache?: Promise<CategoryCache>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly versions: CacheVersions,
  ) {}

  async tree(): Promise<CategoryNode[]> {
    return (await this.load()).roots;
  }

  async find(id: string): Promise<CategoryNode | undefined> {
    return (await this.load()).byId.get(id);
  }

  /** Every category by id, for naming many at once (a result page) with one await. */
  async byId(): Promise<ReadonlyMap<string, CategoryNode>> {
    return (await this.load()).byId;
  }

  /** The category and every category below it (a category page lists them all). */
  async subtreeIds(id: string): Promise<string[]> {
    const node = (await this.load()).byId.get(id);
    if (!node) throw AppError.notFound('Category', id);
    const out: string[] = [];
    const walk = (n: CategoryNode) => {
      out.push(n.id);
      n.children.forEach(walk);
    };
    walk(node);
    return out;
  }

  /** Reads categories in the caller's transaction (never from the cache): for writes that depend on them. */
  async byIds(em: EntityManager, ids: string[]): Promise<Map<string, { id: string; code: string; forbidden: boolean; path: string[] }>> {
    const rows = await em.query(`SELECT id, code, forbidden, path FROM categories WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r: { id: string; code: string; forbidden: boolean; path: string[] }) => [r.id, r]));
  }

  async byCodes(em: EntityManager, codes: string[]): Promise<Map<string, { id: string; code: string; forbidden: boolean }>> {
    const rows = await em.query(`SELECT id, code, forbidden FROM categories WHERE code = ANY($1::text[])`, [codes]);
    return new Map(rows.map((r: { id: string; code: string; forbidden: boolean }) => [r.code, r]));
  }

  /** A child of a forbidden category is forbidden too: cash equivalents stay out, whatever their subcategory. */
  async create(em: EntityManager, input: { code: string; name: string; parentId?: string | null; forbidden?: boolean; position?: number }): Promise<CategoryNode> {
    const id = randomUUID();
    let path = [id];
    let forbidden = input.forbidden ?? false;
    if (input.parentId) {
      const [parent] = await em.query(`SELECT path, forbidden FROM categories WHERE id = $1`, [input.parentId]);
      if (!parent) throw AppError.unprocessable('PARENT_NOT_FOUND', `Parent category ${input.parentId} does not exist`, { parentId: input.parentId });
      path = [...parent.path, id];
      forbidden = forbidden || parent.forbidden;
    }
    const [taken] = await em.query(`SELECT 1 FROM categories WHERE code = $1`, [input.code]);
    if (taken) throw AppError.conflict('CATEGORY_CODE_TAKEN', `Category code ${input.code} is taken`, { code: input.code });
    await em.query(
      `INSERT INTO categories (id, code, name, parent_id, path, forbidden, position) VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7)`,
      [id, input.code, input.name, input.parentId ?? null, path, forbidden, input.position ?? 0],
    );
    this.invalidate();
    return { id, code: input.code, name: input.name, parentId: input.parentId ?? null, path, forbidden, position: input.position ?? 0, children: [] };
  }

  invalidate(): void {
    this.cache = undefined;
  }

  /**
   * The cached tree while it is younger than CACHE_TTL_MS and no newer catalog version has been read
   * (a category change in another API process replaces the version at its commit, and a search
   * request reads the version before it computes a page: the page then uses the new tree).
   */
  private load(): Promise<CategoryCache> {
    const current = this.cache;
    if (current) {
      return current.then((c) => (Date.now() - c.loadedAt < CACHE_TTL_MS && c.version === this.versions.latest('catalog') ? c : this.reload()));
    }
    return this.reload();
  }

  private reload(): Promise<CategoryCache> {
    const loading = this.read().catch((err) => {
      if (this.cache === loading) this.cache = undefined;
      throw err;
    });
    this.cache = loading;
    return loading;
  }

  private async read(): Promise<CategoryCache> {
    const version = this.versions.latest('catalog');
    const rows: Omit<CategoryNode, 'children'>[] = await this.dataSource.query(
      `SELECT id, code, name, parent_id AS "parentId", path, forbidden, position
         FROM categories ORDER BY cardinality(path), position, code`,
    );
    const byId = new Map<string, CategoryNode>();
    const roots: CategoryNode[] = [];
    for (const r of rows) {
      const node: CategoryNode = { ...r, children: [] };
      byId.set(node.id, node);
      const parent = r.parentId ? byId.get(r.parentId) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    return { loadedAt: Date.now(), version, roots, byId };
  }
}
