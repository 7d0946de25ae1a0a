import { randomBytes } from 'node:crypto';
import { bearer, TestApp } from '../support/test-app';

export interface OnboardedSupplier {
  supplierId: string;
  organizationId: string;
  token: string;
  username: string;
}

let seq = 0;

/** A company applies, a platform admin approves it, and its first staff user logs in. */
export async function onboardSupplier(
  t: TestApp,
  admin: string,
  over: Partial<{ companyName: string; regionCode: string; certification: string; categoryCodes: string[] }> = {},
): Promise<OnboardedSupplier> {
  seq++;
  const tag = `${process.pid}${seq}${randomBytes(2).toString('hex')}`;
  const applied = await t.http
    .post('/api/v1/suppliers/applications')
    .send({
      companyName: over.companyName ?? `测试供应商${tag}有限公司`,
      contactName: '张三',
      contactPhone: '13800000000',
      regionCode: over.regionCode ?? '370212',
      categoryCodes: over.categoryCodes ?? ['tea', 'grain-oil', 'seafood'],
      ...(over.certification ? { certification: over.certification } : {}),
    })
    .expect(201);
  const username = `sup${tag}`;
  const approved = await t.http
    .post(`/api/v1/suppliers/${applied.body.id}/approve`)
    .set(bearer(admin))
    .send({ username, password: 'supplier-password-1' })
    .expect(200);
  const token = await t.login(username, 'supplier-password-1');
  return { supplierId: applied.body.id, organizationId: approved.body.supplier.organizationId, token, username };
}

export async function categoryId(t: TestApp, code: string): Promise<string> {
  const [row] = await t.dataSource.query(`SELECT id FROM categories WHERE code = $1`, [code]);
  if (!row) throw new Error(`no category ${code}`);
  return row.id;
}

export interface ProductSpec {
  name: string;
  categoryCode?: string;
  description?: string;
  originRegionCode?: string;
  skus?: { skuCode?: string; spec: string; priceFen: number; stock?: number; perMemberLimit?: number | null }[];
}

/** Creates a draft as the supplier. */
export async function createDraft(t: TestApp, supplier: string, spec: ProductSpec): Promise<{ id: string; skus: { id: string; skuCode: string }[] }> {
  const res = await t.http
    .post('/api/v1/catalog/products')
    .set(bearer(supplier))
    .send({
      name: spec.name,
      description: spec.description ?? '',
      categoryId: await categoryId(t, spec.categoryCode ?? 'tea'),
      ...(spec.originRegionCode ? { originRegionCode: spec.originRegionCode } : {}),
      skus: spec.skus ?? [{ spec: '500g', priceFen: 5000, stock: 10 }],
    });
  if (res.status !== 201) throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Draft → submitted → approved: visible to shoppers. */
export async function createListed(t: TestApp, supplier: string, admin: string, spec: ProductSpec): Promise<{ id: string; skus: { id: string; skuCode: string }[] }> {
  const p = await createDraft(t, supplier, spec);
  await t.http.post(`/api/v1/catalog/products/${p.id}/submit`).set(bearer(supplier)).expect(200);
  await t.http.post(`/api/v1/catalog/products/${p.id}/approve`).set(bearer(admin)).expect(200);
  return p;
}

/** Every listed product matching a query, paging through the API. */
export async function searchAll(t: TestApp, token: string, query: Record<string, string | number | boolean>): Promise<{ id: string; name: string }[]> {
  const out: { id: string; name: string }[] = [];
  for (let offset = 0; ; offset += 200) {
    const res = await t.http.get('/api/v1/catalog/products').query({ ...query, limit: 200, offset }).set(bearer(token)).expect(200);
    out.push(...res.body.items);
    if (res.body.items.length < 200) return out;
  }
}
