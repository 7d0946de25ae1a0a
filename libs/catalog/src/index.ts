// The public face of the catalog context: what ordering, points, audit, the CLI and benchmarks use.
export { CatalogModule } from './catalog.module';
export { CatalogQueryService } from './services/catalog-query.service';
export type { PurchasableSku } from './services/catalog-query.service';
export { CatalogReportingService } from './reporting/catalog-reporting.service';
export type { CategoryRef, ProductOrigin, SupplierRef } from './reporting/catalog-reporting.service';
export { CatalogNamesQueryService } from './services/catalog-names-query.service';
export { CatalogService } from './services/catalog.service';
// benchmarks read its hit counts (app.get needs the class itself as the token)
export { SearchResultsCache } from './search-cache/search-results-cache.service';
export { StockService } from './services/stock.service';
export type { StockLine } from './services/stock.service';
export { CatalogDemoSeeder, DEMO_SUPPLIER } from './demo/catalog-demo-seeder';
export type { CatalogSeedOptions, CatalogSeedResult } from './demo/catalog-demo-seeder';
export { PRODUCT_LIFECYCLE, PRODUCT_STATUSES } from './lifecycle/product-lifecycle';
export type { ProductStatus } from './lifecycle/product-lifecycle';
export { SUPPLIER_LIFECYCLE, SUPPLIER_STATUSES } from './lifecycle/supplier-lifecycle';
export type { SupplierStatus } from './lifecycle/supplier-lifecycle';
export { IMPORT_COLUMNS } from './import/csv-rows';
// the deterministic demo-data generator (seeds, benchmarks, tests)
export * from './demo';
