import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from './catalog-helpers';

/** Names of suppliers and categories by id, for reports (audit traces and packs). */
@Injectable()
export class CatalogNamesQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async supplierNames(ids: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, string>> {
    const valid = [...new Set(ids.filter((id) => isUuid(id)))];
    if (!valid.length) return new Map();
    const rows: { id: string; company_name: string }[] = await em.query(`SELECT id, company_name FROM suppliers WHERE id = ANY ($1::uuid[])`, [valid]);
    return new Map(rows.map((r) => [r.id, r.company_name]));
  }

  async categories(ids: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, { code: string; name: string }>> {
    const valid = [...new Set(ids.filter((id) => isUuid(id)))];
    if (!valid.length) return new Map();
    const rows: { id: string; code: string; name: string }[] = await em.query(`SELECT id, code, name FROM categories WHERE id = ANY ($1::uuid[])`, [valid]);
    return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
  }
}
