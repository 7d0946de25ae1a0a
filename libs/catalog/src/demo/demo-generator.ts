// Deterministic generator of realistic Chinese catalog demo data (suppliers, products, SKUs) and
// the supplier bulk-import CSV. Pure TypeScript, no dependencies and no database, so it can feed
// seeds, benchmarks and tests alike; the same seed always yields the same catalog.

import {
  BRAND_NAMES,
  CATEGORIES,
  COMPANY_FORMS,
  COOPERATIVE_KINDS,
  DESCRIPTION_CLOSINGS,
  FARM_DESCRIPTION_CLOSINGS,
  FOOD_NAME_SUFFIXES,
  GOODS_NAME_SUFFIXES,
  FORBIDDEN_CATEGORIES,
  GIVEN_NAME_CHARS,
  LOCAL_BRAND_PREFIXES,
  LOCAL_DESCRIPTION_CLOSINGS,
  MOBILE_PREFIXES,
  NOUN_ORIGINS,
  OTHER_REGIONS,
  QINGDAO_REGIONS,
  REGIONS,
  SURNAMES,
  ADJECTIVES,
  type DemoCategory,
  type DemoRegion,
  type DemoSubcategory,
  type PriceRange,
  type SpecTemplate,
} from './word-lists';

export { CATEGORIES, FORBIDDEN_CATEGORIES, REGIONS };

export interface DemoSupplier {
  code: string;
  companyName: string;
  contactName: string;
  contactPhone: string;
  regionCode: string;
  regionName: string;
  certified: boolean;
  /** e.g. `绿色食品 LB-15-2303370123A`; null when not certified. */
  certification: string | null;
  /** Codes of the categories it sells. */
  categories: string[];
}

export interface DemoSku {
  /** The supplier's own code, unique per supplier. */
  skuCode: string;
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit: number | null;
}

export interface DemoProduct {
  supplierCode: string;
  categoryCode: string;
  subcategoryCode: string | null;
  name: string;
  description: string;
  imageUrls: string[];
  originRegionCode: string;
  originRegionName: string;
  skus: DemoSku[];
}

/** 2023-12-26, the day Qingdao's 惠工商城 went live. */
export const DEFAULT_SEED = 20231226;
export const DEFAULT_SUPPLIER_COUNT = 200;
/** Share of suppliers located in Qingdao; the platform exists to sell "青岛造" goods. */
export const QINGDAO_SUPPLIER_SHARE = 0.3;
export const QINGDAO_CITY_PREFIX = '3702';
export const MAX_STOCK = 5000;
export const IMAGE_BASE_URL = 'https://img.huigong.example/p/';

export const CSV_HEADER = [
  'sku_code',
  'product_name',
  'category_code',
  'spec',
  'price_fen',
  'stock',
  'per_member_limit',
  'origin_region_code',
  'description',
  'image_urls',
] as const;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: tiny, fast, and good enough for demo data; Math.random cannot be seeded. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** cyrb53 string hash: used to derive independent streams and stable image names. */
function hash53(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

class Rng {
  private readonly next: () => number;

  /** Each purpose gets its own stream so that adding suppliers does not reshuffle products' draws. */
  constructor(seed: number, stream: string) {
    this.next = mulberry32(hash53(`${stream}:${seed >>> 0}`) >>> 0);
  }

  float(): number {
    return this.next();
  }

  /** Inclusive integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn according to weights (need not sum to 1). */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(Math.floor(this.next() * 10));
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups

const CATEGORY_BY_CODE = new Map<string, DemoCategory>(CATEGORIES.map((c) => [c.code, c]));
const REGION_BY_CODE = new Map<string, DemoRegion>(REGIONS.map((r) => [r.code, r]));

export function isLocalRegion(code: string, cityPrefix: string = QINGDAO_CITY_PREFIX): boolean {
  return /^\d{6}$/.test(code) && code.startsWith(cityPrefix);
}

/** True when `child` lies inside `parent` in the GB/T 2260 hierarchy (or is it). */
function isWithinRegion(child: string, parent: string): boolean {
  if (parent.endsWith('0000')) return child.startsWith(parent.slice(0, 2));
  if (parent.endsWith('00')) return child.startsWith(parent.slice(0, 4));
  return child === parent;
}

interface NounChoice {
  noun: string;
  subcategoryCode: string;
  origin: string | undefined;
}

/**
 * Nouns a supplier in `regionCode` can plausibly sell: generic ones, those named after its own
 * region, and, for Qingdao distributors, famous goods from anywhere (they ship 五常大米 in too).
 */
function eligibleNouns(category: DemoCategory, regionCode: string): NounChoice[] {
  const local = isLocalRegion(regionCode);
  const out: NounChoice[] = [];
  for (const sub of category.subcategories) {
    for (const noun of sub.nouns) {
      const origin = NOUN_ORIGINS[noun];
      if (origin === undefined || local || isWithinRegion(origin, regionCode)) {
        out.push({ noun, subcategoryCode: sub.code, origin });
      }
    }
  }
  return out;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Suppliers

function pickSupplierCategories(rng: Rng, region: DemoRegion): string[] {
  const all = CATEGORIES.map((c) => c.code);
  const local = isLocalRegion(region.code);
  const chosen = new Set<string>();
  chosen.add(region.specialties.length > 0 && rng.chance(0.85) ? rng.pick(region.specialties) : rng.pick(all));
  // Qingdao suppliers are often distributors with broad ranges; producers elsewhere mostly stick
  // to what their place is known for (a 武夷山 tea house sells tea).
  const extra = rng.weighted(local ? [0.2, 0.3, 0.3, 0.2] : [0.4, 0.35, 0.2, 0.05]);
  for (let i = 0; i < extra; i++) {
    const open = region.specialties.filter((c) => !chosen.has(c));
    if (open.length > 0 && rng.chance(0.8)) chosen.add(rng.pick(open));
    else if (local || rng.chance(0.3)) chosen.add(rng.pick(all));
  }
  // Keep only categories the region can actually supply something in.
  return [...chosen].filter((code) => eligibleNouns(CATEGORY_BY_CODE.get(code)!, region.code).length > 0);
}

const ELECTRICAL_CATEGORIES = new Set(['small-appliances', 'digital-accessories', 'auto-supplies']);

function certificationFor(rng: Rng, region: DemoRegion, category: DemoCategory): string {
  const yy = pad(rng.int(18, 24), 2);
  if (!category.food) {
    // The CCC mark only applies to electrical goods; other makers show a quality-system certificate.
    return ELECTRICAL_CATEGORIES.has(category.code) && rng.chance(0.6)
      ? `强制性产品认证 20${yy}01${rng.digits(10)}`
      : `质量管理体系认证 ${rng.digits(5)}${yy}Q${rng.digits(5)}R0M`;
  }
  const hasGeoIndication = Object.values(NOUN_ORIGINS).some((o) => isWithinRegion(o, region.code));
  const kind = rng.weighted([0.5, 0.3, hasGeoIndication ? 0.4 : 0]);
  if (kind === 0) {
    // LB-<product class>-<yymm><province><serial>A, the green-food label layout.
    const serial = `${yy}${pad(rng.int(1, 12), 2)}${region.code.slice(0, 2)}${rng.digits(4)}`;
    return `绿色食品 LB-${pad(rng.int(1, 50), 2)}-${serial}A`;
  }
  if (kind === 1) return `有机产品认证 ${rng.digits(3)}OP${yy}${rng.digits(5)}`;
  return `农产品地理标志 AGI${pad(rng.int(1, 3500), 5)}`;
}

export function generateSuppliers(opts: { seed?: number; count?: number } = {}): DemoSupplier[] {
  const seed = opts.seed ?? DEFAULT_SEED;
  const count = opts.count ?? DEFAULT_SUPPLIER_COUNT;
  assertCount('count', count);
  const rng = new Rng(seed, 'suppliers');

  // An exact share rather than a coin flip per supplier, so small demo sets still have locals.
  const localCount = Math.round(count * QINGDAO_SUPPLIER_SHARE);
  const localFlags = rng.shuffle(Array.from({ length: count }, (_, i) => i < localCount));

  const usedNames = new Set<string>();
  const suppliers: DemoSupplier[] = [];
  for (let i = 0; i < count; i++) {
    const region = rng.pick(localFlags[i] ? QINGDAO_REGIONS : OTHER_REGIONS);
    let categories = pickSupplierCategories(rng, region);
    if (categories.length === 0) categories = ['farm-produce'];
    const main = CATEGORY_BY_CODE.get(categories[0])!;

    let companyName = '';
    for (let attempt = 0; companyName === '' || usedNames.has(companyName); attempt++) {
      const brand = rng.pick(BRAND_NAMES);
      // Farm producers are often co-operatives (合作社): the platform's "扶农" aim.
      const base =
        main.food && rng.chance(0.25)
          ? `${region.label}${brand}${rng.pick(COOPERATIVE_KINDS)}专业合作社`
          : `${region.label}${brand}${rng.pick(main.companyKinds)}${rng.pick(COMPANY_FORMS)}`;
      companyName = attempt < 50 ? base : `${base}（${attempt}）`;
    }
    usedNames.add(companyName);

    const contactName =
      rng.pick(SURNAMES) + rng.pick(GIVEN_NAME_CHARS) + (rng.chance(0.6) ? rng.pick(GIVEN_NAME_CHARS) : '');
    const certified = rng.chance(main.food ? 0.45 : 0.3);
    suppliers.push({
      code: `SUP${pad(i + 1, 4)}`,
      companyName,
      contactName,
      contactPhone: rng.pick(MOBILE_PREFIXES) + rng.digits(8),
      regionCode: region.code,
      regionName: region.name,
      certified,
      certification: certified ? certificationFor(rng, region, main) : null,
      categories,
    });
  }
  return suppliers;
}

// ---------------------------------------------------------------------------------------------
// Products

interface SpecOption {
  spec: string;
  quantity: number;
}

/** Every spec a template allows, smallest pack first. */
function expandTemplate(t: SpecTemplate): SpecOption[] {
  const out: SpecOption[] = [];
  const vs = t.v ?? [''];
  vs.forEach((v, vi) => {
    for (const n of t.n ?? [1]) {
      for (const m of t.m ?? [1]) {
        const spec = t.pattern.replace('{v}', v).replace('{n}', String(n)).replace('{m}', String(m));
        // Variant editions (标准款 < 升级款) are priced as if each step were half a pack more.
        out.push({ spec, quantity: (1 + 0.5 * vi) * n * m });
      }
    }
  });
  return out.sort((a, b) => a.quantity - b.quantity);
}

const TEMPLATE_CACHE = new Map<SpecTemplate, SpecOption[]>();
function specOptions(t: SpecTemplate): SpecOption[] {
  let options = TEMPLATE_CACHE.get(t);
  if (!options) {
    options = expandTemplate(t);
    TEMPLATE_CACHE.set(t, options);
  }
  return options;
}

/** Shop-style prices (¥59.90, ¥60.00, ¥59.00), kept inside the range. */
function nicePrice(rng: Rng, raw: number, range: PriceRange): number {
  let fen: number;
  if (raw < 1000) {
    fen = Math.ceil(raw / 100) * 100 - 10;
  } else {
    const style = rng.weighted([0.5, 0.3, 0.2]);
    if (style === 0) fen = Math.round(raw / 100) * 100 - 10;
    else if (style === 1) fen = Math.round(raw / 100) * 100;
    else fen = Math.round(raw / 1000) * 1000 - 100;
  }
  return Math.min(range.max, Math.max(range.min, Math.round(fen)));
}

/**
 * Prices for the chosen options of a template. The base price is that of the template's smallest
 * pack, so a lone 3斤 box stays cheaper than a lone 9斤 one; larger packs get a bulk discount.
 */
function priceSkus(
  rng: Rng,
  options: SpecOption[],
  chosen: number[],
  range: PriceRange,
  samePrice: boolean,
): number[] {
  const ratioOf = (o: SpecOption) => (samePrice ? 1 : Math.pow(o.quantity / options[0].quantity, 0.85));
  const maxRatio = ratioOf(options[options.length - 1]);
  // Most goods are cheap: bias towards the low end, and leave room for the largest pack.
  const ceiling = Math.max(range.min, range.max / maxRatio);
  const base = range.min + (ceiling - range.min) * Math.pow(rng.float(), 1.6);
  const prices: number[] = [];
  for (const ratio of chosen.map((i) => ratioOf(options[i]))) {
    const price = nicePrice(rng, base * ratio, range);
    prices.push(prices.length > 0 ? Math.max(price, prices[prices.length - 1]) : price);
  }
  return samePrice ? prices.map(() => prices[0]) : prices;
}

function skuPrefix(categoryCode: string): string {
  const parts = categoryCode.split('-');
  return (parts.length > 1 ? parts.map((p) => p[0]).join('') : parts[0].slice(0, 3)).toUpperCase();
}

/** The fictitious trade name inside the company name, or a stable fallback for hand-made suppliers. */
function supplierBrand(supplier: DemoSupplier): string {
  let best = '';
  for (const brand of BRAND_NAMES) {
    if (brand.length > best.length && supplier.companyName.includes(brand)) best = brand;
  }
  return best || pickStable(BRAND_NAMES, supplier.code);
}

/** A per-supplier choice that does not depend on the seed: a company keeps its brand. */
function pickStable<T>(items: readonly T[], key: string): T {
  return items[hash53(key) % items.length];
}

function imageName(seed: number, supplierCode: string, seq: number, index: number): string {
  const a = hash53(`${supplierCode}/${seq}/${index}`, seed).toString(16).padStart(14, '0');
  const b = hash53(`${index}/${seq}/${supplierCode}`, seed).toString(16).padStart(14, '0');
  return (a + b).slice(0, 24);
}

interface SupplierPlan {
  supplier: DemoSupplier;
  region: DemoRegion;
  local: boolean;
  brand: string;
  localPrefix: string;
  categories: { category: DemoCategory; nouns: NounChoice[] }[];
}

function planSupplier(supplier: DemoSupplier): SupplierPlan | null {
  const region: DemoRegion = REGION_BY_CODE.get(supplier.regionCode) ?? {
    code: supplier.regionCode,
    name: supplier.regionName,
    label: supplier.regionName,
    specialties: [],
  };
  const categories: SupplierPlan['categories'] = [];
  for (const code of supplier.categories) {
    const category = CATEGORY_BY_CODE.get(code); // forbidden and unknown codes are skipped
    if (!category || category.forbidden) continue;
    const nouns = eligibleNouns(category, region.code);
    if (nouns.length > 0) categories.push({ category, nouns });
  }
  if (categories.length === 0) return null;
  return {
    supplier,
    region,
    local: isLocalRegion(region.code),
    brand: supplierBrand(supplier),
    localPrefix: pickStable(LOCAL_BRAND_PREFIXES[region.code] ?? ['胶东'], supplier.code),
    categories,
  };
}

function productName(
  rng: Rng,
  plan: SupplierPlan,
  category: DemoCategory,
  sub: DemoSubcategory | undefined,
  choice: NounChoice,
): string {
  let prefix: string;
  if (choice.origin !== undefined) {
    // The noun already names its place (五常大米), so only a brand may precede it.
    prefix = rng.chance(0.75) ? plan.brand : '';
  } else if (category.food) {
    const r = rng.float();
    prefix = r < 0.35 ? plan.region.label : r < 0.85 || !plan.local ? plan.brand : plan.localPrefix;
  } else {
    const r = rng.float();
    prefix = r < 0.75 ? plan.brand : r < 0.9 || !plan.local ? plan.region.label : plan.localPrefix;
  }
  if (choice.noun.startsWith(prefix)) prefix = '';

  // Zero to two adjectives (农家散养土鸡蛋), never one the noun or prefix already says.
  const adjectives: string[] = [];
  const wanted = rng.weighted([0.2, 0.55, 0.25]);
  for (let i = 0; i < wanted; i++) {
    const own = sub?.adjectives ?? category.adjectives;
    // Generic farm words (古法, 农家) only where a subcategory has not said what fits it.
    const pool = category.food && !sub?.adjectives && rng.chance(0.25) ? ADJECTIVES : own;
    if (pool.length === 0) break;
    const adjective = rng.pick(pool);
    if (!choice.noun.includes(adjective) && !prefix.includes(adjective) && !adjectives.includes(adjective)) {
      adjectives.push(adjective);
    }
  }

  let suffix = '';
  if (!choice.noun.includes('礼盒') && rng.chance(0.3)) {
    suffix = rng.pick(category.food ? FOOD_NAME_SUFFIXES : GOODS_NAME_SUFFIXES);
  }
  return prefix + adjectives.join('') + choice.noun + suffix;
}

function productDescription(
  rng: Rng,
  plan: SupplierPlan,
  category: DemoCategory,
  sub: DemoSubcategory | undefined,
  origin: DemoRegion,
): string {
  const own = sub?.sellingPoints ?? category.sellingPoints;
  const points = own.length > 0 ? own : DESCRIPTION_CLOSINGS;
  const first = rng.pick(points);
  const sentences = [category.food && rng.chance(0.7) ? `产自${origin.name}，${first}` : first];
  if (rng.chance(0.6)) {
    const second = rng.pick(points);
    if (second !== first) sentences.push(second);
  }
  if (rng.chance(0.6)) {
    const closings =
      plan.local && isLocalRegion(origin.code) && rng.chance(0.5)
        ? LOCAL_DESCRIPTION_CLOSINGS
        : category.food && rng.chance(0.4)
          ? FARM_DESCRIPTION_CLOSINGS
          : DESCRIPTION_CLOSINGS;
    sentences.push(rng.pick(closings));
  }
  return sentences.map((s) => `${s}。`).join('');
}

/**
 * Streams `count` products drawn from the suppliers' categories. A generator, so 50,000+ products
 * can be written out without holding them all in memory. Options are validated eagerly.
 */
export function generateProducts(
  suppliers: DemoSupplier[],
  opts: { seed?: number; count: number },
): Generator<DemoProduct> {
  const seed = opts.seed ?? DEFAULT_SEED;
  assertCount('count', opts.count);
  const plans = suppliers.map(planSupplier).filter((p): p is SupplierPlan => p !== null);
  if (plans.length === 0 && opts.count > 0) {
    throw new Error('no supplier sells an allowed category');
  }
  return streamProducts(plans, seed, opts.count);
}

function* streamProducts(plans: SupplierPlan[], seed: number, count: number): Generator<DemoProduct> {
  const rng = new Rng(seed, 'products');
  // Some suppliers list far more than others; cumulative weights keep picking O(log n).
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < plans.length; i++) {
    total += 1 + rng.float() * 3;
    cumulative.push(total);
  }
  const sequences = new Map<string, number>();

  for (let produced = 0; produced < count; produced++) {
    const target = rng.float() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    const plan = plans[lo];
    const { category, nouns } = rng.pick(plan.categories);
    const choice = rng.pick(nouns);
    const sub = category.subcategories.find((s) => s.code === choice.subcategoryCode);

    // Named goods come from their place; everything else from where the supplier is.
    const origin: DemoRegion =
      (choice.origin !== undefined ? REGION_BY_CODE.get(choice.origin) : undefined) ?? plan.region;

    const seq = (sequences.get(plan.supplier.code) ?? 0) + 1;
    sequences.set(plan.supplier.code, seq);

    const template = rng.pick(sub?.specs ?? category.specs);
    const options = specOptions(template);
    const skuCount = Math.min(options.length, 1 + rng.weighted([0.5, 0.3, 0.2]));
    const chosenIdx = rng
      .shuffle(options.map((_, i) => i))
      .slice(0, skuCount)
      .sort((a, b) => a - b);
    const chosen = chosenIdx.map((i) => options[i]);
    const range = sub?.priceFen ?? category.priceFen;
    const prices = priceSkus(rng, options, chosenIdx, range, template.samePrice === true);
    const limit = rng.chance(0.1) ? rng.pick([1, 2, 2, 3, 5, 10]) : null;
    const prefix = `${skuPrefix(category.code)}${pad(seq, 5)}`;

    const skus: DemoSku[] = chosen.map((option, i) => ({
      skuCode: `${prefix}-${i + 1}`,
      spec: option.spec,
      priceFen: prices[i],
      stock: rng.chance(0.03) ? 0 : Math.min(MAX_STOCK, 1 + Math.floor(Math.pow(rng.float(), 1.5) * MAX_STOCK)),
      perMemberLimit: limit,
    }));

    const name = productName(rng, plan, category, sub, choice);
    const description = productDescription(rng, plan, category, sub, origin);
    const imageCount = 1 + rng.weighted([0.2, 0.3, 0.3, 0.2]);
    const imageUrls = Array.from(
      { length: imageCount },
      (_, i) => `${IMAGE_BASE_URL}${imageName(seed, plan.supplier.code, seq, i)}.jpg`,
    );

    yield {
      supplierCode: plan.supplier.code,
      categoryCode: category.code,
      subcategoryCode: sub?.code ?? null,
      name,
      description,
      imageUrls,
      originRegionCode: origin.code,
      originRegionName: origin.name,
      skus,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/** A leading = + - @ (or tab/CR) makes spreadsheets evaluate a cell; prefix a quote to defuse it. */
function defuseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180: quote fields holding a comma, quote or line break, doubling inner quotes. */
function csvField(value: string): string {
  const cell = defuseFormula(value);
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The supplier bulk-import CSV: one row per SKU, CRLF line endings, image URLs joined by `|`. */
export function productsToCsv(products: Iterable<DemoProduct>): string {
  const lines: string[] = [CSV_HEADER.join(',')];
  for (const product of products) {
    for (const sku of product.skus) {
      lines.push(
        [
          sku.skuCode,
          product.name,
          product.categoryCode,
          sku.spec,
          String(sku.priceFen),
          String(sku.stock),
          sku.perMemberLimit === null ? '' : String(sku.perMemberLimit),
          product.originRegionCode,
          product.description,
          product.imageUrls.join('|'),
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
