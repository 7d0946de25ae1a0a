import { OpenAPIObject } from '@nestjs/swagger';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { changedTables, tableChecksums } from './support/db-checksum';
import { anyJson, hostileNumber, hostileString, PROTO_KEYS, Schema, wrongTypeFor } from './support/hostile-values';
import { bearer, startTestApp, TestApp, testConfig } from './support/test-app';

/**
 * Property-based fuzzing of every JSON request body the OpenAPI document describes. Each generated
 * body carries at least one thing no valid request has (an unknown or prototype-polluting field, a
 * value of the wrong type, a string over its maxLength or with a NUL, a number outside its bounds or beyond 2^53, a
 * missing required field, or not being an object at all) on top of hostile values in the other
 * fields (injections, RTL/emoji/NUL, giant strings, huge and fractional numbers). Every answer must
 * be a 4xx with the error shape and nothing may be written anywhere. The operations come from the
 * document, so a new route is fuzzed the moment it exists.
 */
const RUNS = Number(process.env.FUZZ_RUNS || 18);
const SEED = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);

const USERS = { platform_admin: 'admin', union_admin: 'union-admin', supplier_staff: 'supplier', worker: 'worker', auditor: 'auditor' } as const;
type ActingRole = keyof typeof USERS;
/** Whom to act as when several roles may call a route: the one who can reach the most (auditors only read). */
const ROLE_PREFERENCE: ActingRole[] = ['platform_admin', 'union_admin', 'supplier_staff', 'worker', 'auditor'];

interface Operation {
  method: 'post' | 'put' | 'patch';
  path: string;
  schema: Schema;
  role: ActingRole | null;
}

type Mutation = { kind: string; body: unknown };

describe('fuzzing every request body (e2e)', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  const tokens = new Map<ActingRole, string>();
  const ids: Record<string, string> = {};

  const resolve = (s: Schema | undefined): Schema => {
    if (!s) return {};
    if (s.$ref) return resolve((doc.components!.schemas as Record<string, Schema>)[s.$ref.split('/').pop()!]);
    if (s.allOf?.length === 1) return resolve(s.allOf[0]);
    return s;
  };

  /** A value of the declared type, picked from the hostile end of that type. */
  const plausible = (raw: Schema, depth: number): fc.Arbitrary<unknown> => {
    const s = resolve(raw);
    if (s.enum?.length) return fc.oneof(fc.constantFrom(...s.enum), hostileString());
    switch (s.type) {
      case 'string':
        return s.format === 'uuid' ? fc.oneof(fc.uuid(), hostileString()) : s.format?.startsWith('date') ? fc.oneof(fc.constantFrom('2026-02-30', '0000-00-00', '9999-12-31T99:99:99Z', '2026-01-01'), hostileString()) : hostileString();
      case 'integer':
      case 'number':
        return hostileNumber();
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 2 ? fc.constant([]) : fc.array(plausible(s.items ?? {}, depth + 1), { maxLength: 3 });
      default:
        if (s.properties && depth <= 2) return objectOf(s, depth + 1);
        return anyJson();
    }
  };

  const objectOf = (s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const props = Object.entries(s.properties ?? {});
    if (!props.length) return fc.constant({});
    return fc.record(Object.fromEntries(props.map(([k, v]) => [k, plausible(v, depth)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
  };

  /** Sets a key as an own, enumerable property even when it is `__proto__`, so JSON.stringify sends it. */
  const withKey = (o: Record<string, unknown>, k: string, v: unknown) => {
    const copy: Record<string, unknown> = {};
    for (const [kk, vv] of Object.entries(o)) Object.defineProperty(copy, kk, { value: vv, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
    return copy;
  };

  /** Bodies that must all be refused: a hostile base plus at least one definite violation. */
  const hostileBodies = (schema: Schema): fc.Arbitrary<Mutation> => {
    const s = resolve(schema);
    const props = s.properties ?? {};
    const names = Object.keys(props);
    const base = objectOf(s, 0);
    const unknownKey = fc.oneof(fc.constantFrom(...PROTO_KEYS, 'isAdmin', 'role', 'roles', '$where', 'createdAt', 'balanceFen'), fc.string({ minLength: 1, maxLength: 12 }).map((k) => `x_${k}`)).filter((k) => !names.includes(k));
    const variants: fc.Arbitrary<Mutation>[] = [
      fc.tuple(base, unknownKey, anyJson()).map(([b, k, v]) => ({ kind: `unknown field ${JSON.stringify(k)}`, body: withKey(b, k, v) })),
      fc.oneof(fc.array(base, { minLength: 0, maxLength: 2 }), hostileString(), hostileNumber(), fc.boolean(), fc.constant(null)).map((b) => ({ kind: 'not an object', body: b })),
    ];
    if (names.length) {
      const prop = fc.constantFrom(...names);
      variants.push(
        fc.tuple(base, prop).chain(([b, k]) => wrongTypeFor(resolve(props[k])).map((v) => ({ kind: `wrong type for ${k}`, body: withKey(b, k, v) }))),
      );
      const longStrings = names.filter((k) => resolve(props[k]).type === 'string' && resolve(props[k]).maxLength !== undefined);
      if (longStrings.length) {
        variants.push(
          fc.tuple(base, fc.constantFrom(...longStrings), fc.constantFrom('x', '惠', '👷')).map(([b, k, ch]) => ({ kind: `over maxLength ${k}`, body: withKey(b, k, ch.repeat(resolve(props[k]).maxLength! + 1)) })),
        );
      }
      const strings = names.filter((k) => resolve(props[k]).type === 'string');
      if (strings.length) {
        // PostgreSQL text cannot hold NUL: refused up front, never a 500 from the database
        variants.push(fc.tuple(base, fc.constantFrom(...strings), hostileString()).map(([b, k, v]) => ({ kind: `NUL in ${k}`, body: withKey(b, k, `${v.slice(0, 20)}\u0000x`) })));
      }
      const bounded = names.filter((k) => ['integer', 'number'].includes(resolve(props[k]).type ?? '') && (resolve(props[k]).minimum !== undefined || resolve(props[k]).maximum !== undefined));
      if (bounded.length) {
        variants.push(
          fc.tuple(base, fc.constantFrom(...bounded), fc.boolean()).map(([b, k, low]) => {
            const p = resolve(props[k]);
            const v = (low && p.minimum !== undefined) || p.maximum === undefined ? p.minimum! - 1 : p.maximum + 1;
            return { kind: `out of bounds ${k}`, body: withKey(b, k, v) };
          }),
        );
      }
      const required = (s.required ?? []).filter((k) => names.includes(k));
      if (required.length) {
        variants.push(
          fc.tuple(base, fc.constantFrom(...required)).map(([b, k]) => {
            const copy = { ...b };
            delete copy[k];
            return { kind: `missing ${k}`, body: copy };
          }),
        );
      }
    }
    return fc.oneof(...variants);
  };

  const pathFor = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const segment = path.split(`/{${name}}`)[0].split('/').pop()!;
      return ids[`${segment}.${name}`] ?? ids[name] ?? randomUUID();
    });

  const operations = (): Operation[] => {
    const out: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['post', 'put', 'patch'] as const) {
        const op = item[method];
        const content = (op?.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
        const json = content?.['application/json']?.schema;
        if (!op || !json) continue;
        const roles = ((op as unknown as Record<string, unknown>)['x-roles'] as string[]) ?? [];
        const role = roles.includes('public') ? null : ROLE_PREFERENCE.filter((r) => r !== 'auditor').find((r) => roles.includes(r));
        if (role === undefined) continue; // an auditor-only write cannot exist (auditors change nothing)
        out.push({ method, path, schema: json, role });
      }
    }
    return out;
  };

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 30 }) });
    doc = t.openApi;
    for (const [role, user] of Object.entries(USERS)) tokens.set(role as ActingRole, await t.login(user));
    const q = async (sql: string, params: unknown[] = []) => ((await t.dataSource.query(sql, params))[0] ?? {}).id as string | undefined;
    // real ids for the path parameters, so a body that slipped through validation would reach real rows
    const supplierOrg = await q(`SELECT organization_id AS id FROM users WHERE username = 'supplier'`);
    const unionId = await q(`SELECT organization_id AS id FROM users WHERE username = 'union-admin'`);
    Object.assign(ids, {
      'suppliers.id': await q(`SELECT id FROM suppliers WHERE organization_id = $1`, [supplierOrg]),
      'products.id': await q(`SELECT p.id FROM products p JOIN suppliers s ON s.id = p.supplier_id ORDER BY (s.organization_id = $1) DESC, p.id LIMIT 1`, [supplierOrg]),
      'skus.id': await q(`SELECT k.id FROM skus k JOIN suppliers s ON s.id = k.supplier_id ORDER BY (s.organization_id = $1) DESC, k.id LIMIT 1`, [supplierOrg]),
      unionId,
      memberId: await q(`SELECT id FROM members WHERE union_id = $1 ORDER BY id LIMIT 1`, [unionId]),
      'campaigns.id': await q(`SELECT id FROM campaigns WHERE union_id = $1 ORDER BY created_at LIMIT 1`, [unionId]),
    });
    // a pending budget adjustment and an order of the demo worker with the demo supplier
    const adj = await t.http.post(`/api/v1/unions/${unionId}/adjustments`).set(bearer(tokens.get('platform_admin')!)).send({ direction: 'increase', amountFen: 100, reason: '模糊测试用调整' });
    if (adj.status === 201) ids['adjustments.id'] = adj.body.id;
    const skus: { id: string }[] = await t.dataSource.query(
      `SELECT k.id FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = k.supplier_id
        WHERE p.status = 'active' AND k.stock > 0 AND k.price_fen <= 20000 ORDER BY (s.organization_id = $1) DESC, k.price_fen LIMIT 40`,
      [supplierOrg],
    );
    for (const sku of skus) {
      const res = await t.http
        .post('/api/v1/checkout')
        .set(bearer(tokens.get('worker')!))
        .set('Idempotency-Key', randomUUID())
        .send({ lines: [{ skuId: sku.id, quantity: 1 }], address: { recipient: '王师傅', phone: '13805320001', regionCode: '370202', detail: '青岛市市南区香港中路 1 号' } });
      if (res.status === 201) {
        ids['orders.id'] = res.body.orders[0].id;
        ids.lineId = res.body.orders[0].lines[0].id;
        break;
      }
    }
  }, 120_000);
  afterAll(() => t.close());

  it('finds the operations with a JSON body in the OpenAPI document, with fixtures for their path parameters', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/checkout', 'POST /api/v1/auth/login', 'POST /api/v1/unions/{unionId}/deposits']));
    expect(Object.keys(ids).filter((k) => !ids[k])).toEqual([]);
    expect(ids['orders.id']).toBeDefined();
  });

  it('answers every hostile body with a 4xx in the error shape, never a 5xx, and writes nothing', async () => {
    const before = await tableChecksums(t.dataSource);
    const wrong: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const [i, op] of operations().entries()) {
      const samples = fc.sample(hostileBodies(op.schema), { numRuns: RUNS, seed: SEED + i });
      for (const { kind, body } of samples) {
        const req = t.http[op.method](pathFor(op.path)).set('Content-Type', 'application/json').set('Idempotency-Key', randomUUID());
        if (op.role) req.set(bearer(tokens.get(op.role)!));
        const res = await req.send(JSON.stringify(body));
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const shaped = typeof res.body?.error?.code === 'string' && typeof res.body?.error?.message === 'string';
        if (res.status < 400 || res.status >= 500 || res.status === 401 || !shaped) {
          const shown = JSON.stringify(body)?.slice(0, 300);
          wrong.push(`${op.method.toUpperCase()} ${op.path} [${kind}] → ${res.status} ${JSON.stringify(res.body).slice(0, 200)} body=${shown}`);
        }
      }
    }
    const changed = changedTables(before, await tableChecksums(t.dataSource));
    // seed and statuses help reproduce a failure: FUZZ_SEED=<seed> npx jest --selectProjects e2e -- test/fuzz-bodies
    const report = `seed ${SEED}, ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
    expect({ report, wrong: wrong.slice(0, 40), wrongCount: wrong.length }).toEqual({ report, wrong: [], wrongCount: 0 });
    expect(changed).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations().length * RUNS);
  }, 300_000);

  /** Path segments and query values nobody legitimate sends. */
  const hostileParam = () =>
    fc.oneof(
      fc.constantFrom('0', '-1', '1.5', '9'.repeat(30), 'null', "1' OR '1'='1", '../../etc/passwd', '%00', '%E4%B8', 'x'.repeat(5000), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '__proto__', 'constructor', '[]', '{}'),
      hostileString().filter((v) => v.length > 0 && v.length < 3000),
      hostileNumber().map(String),
    );

  /** Percent-encodes, except values that are already (mal)formed escapes, which go as they are; lone surrogates become U+FFFD. */
  const enc = (v: string) => (/^%/.test(v) ? v : encodeURIComponent(v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')));

  it('answers hostile path parameters and query values on every operation with a 4xx or a normal answer, never a 5xx, and writes nothing', async () => {
    const before = await tableChecksums(t.dataSource);
    const wrong: string[] = [];
    let sent = 0;
    let i = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const op = item[method];
        if (!op) continue;
        const params = ((op.parameters ?? []) as { name: string; in: string }[]).filter((p) => p.in === 'path' || p.in === 'query');
        if (!params.length) continue;
        const roles = ((op as unknown as Record<string, unknown>)['x-roles'] as string[]) ?? [];
        const readOnly = method === 'get';
        const role = roles.includes('public') ? null : ROLE_PREFERENCE.filter((r) => readOnly || r !== 'auditor').find((r) => roles.includes(r));
        if (role === undefined) continue;
        const hasPath = params.some((p) => p.in === 'path');
        const samples = fc.sample(fc.tuple(...params.map(() => hostileParam())), { numRuns: Math.max(4, Math.ceil(RUNS / 3)), seed: SEED + 1000 + i++ });
        for (const values of samples) {
          let url = path;
          const query: string[] = [];
          params.forEach((p, k) => {
            if (p.in === 'path') url = url.replace(`{${p.name}}`, enc(values[k]));
            else query.push(`${encodeURIComponent(p.name)}=${enc(values[k])}`);
          });
          const req = t.http[method](`${url}${query.length ? `?${query.join('&')}` : ''}`).set('Idempotency-Key', randomUUID());
          if (role) req.set(bearer(tokens.get(role)!));
          const res = method === 'get' || method === 'delete' ? await req : await req.send({});
          sent++;
          const shaped = typeof res.body?.error?.code === 'string' && typeof res.body?.error?.message === 'string';
          // with a hostile id in the path a write can only fail; a read with odd query values may still answer
          const bad = res.status >= 500 || res.status === 401 || (res.status >= 400 && !shaped) || (hasPath && !readOnly && res.status < 400);
          if (bad) wrong.push(`${method.toUpperCase()} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)} params=${JSON.stringify(values).slice(0, 200)}`);
        }
      }
    }
    expect({ seed: SEED, wrong: wrong.slice(0, 40), wrongCount: wrong.length }).toEqual({ seed: SEED, wrong: [], wrongCount: 0 });
    // a hostile path id never reaches a row; reads write nothing (the activation-code export only issues codes for a real union)
    expect(changedTables(before, await tableChecksums(t.dataSource))).toEqual([]);
    expect(sent).toBeGreaterThan(100);
  }, 300_000);
});
