// Public API of the catalog demo-data generator (seeds, benchmarks, demos).
export {
  CSV_HEADER,
  DEFAULT_SEED,
  DEFAULT_SUPPLIER_COUNT,
  IMAGE_BASE_URL,
  MAX_STOCK,
  QINGDAO_CITY_PREFIX,
  QINGDAO_SUPPLIER_SHARE,
  generateProducts,
  mulberry32,
  generateSuppliers,
  isLocalRegion,
  productsToCsv,
} from './demo-generator';
export type { DemoProduct, DemoSku, DemoSupplier } from './demo-generator';
export {
  ADJECTIVES,
  BRAND_NAMES,
  CATEGORIES,
  FORBIDDEN_CATEGORIES,
  LOCAL_BRAND_PREFIXES,
  NOUN_ORIGINS,
  OTHER_REGIONS,
  QINGDAO_REGIONS,
  REGIONS,
} from './word-lists';
export type { DemoCategory, DemoRegion, DemoSubcategory, PriceRange, SpecTemplate } from './word-lists';
