import { CatalogNamesQueryService } from './services/catalog-names-query.service';
import { IdentityModule } from '@huigong/identity';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CategoriesController } from './controllers/categories.controller';
import { ImportsController } from './controllers/imports.controller';
import { ModerationController } from './controllers/moderation.controller';
import { ProductsController } from './controllers/products.controller';
import { StockController } from './controllers/stock.controller';
import { SuppliersController } from './controllers/suppliers.controller';
import { CatalogDemoSeeder } from './demo/catalog-demo-seeder';
import { Category } from './entities/category.entity';
import { Product } from './entities/product.entity';
import { ProductTransition } from './entities/product-transition.entity';
import { Sku } from './entities/sku.entity';
import { StockMovement } from './entities/stock-movement.entity';
import { Supplier } from './entities/supplier.entity';
import { SupplierTransition } from './entities/supplier-transition.entity';
import { CatalogQueryService } from './services/catalog-query.service';
import { CatalogService } from './services/catalog.service';
import { CategoriesService } from './services/categories.service';
import { LocalityService } from './services/locality.service';
import { ProductBulkWriter } from './services/product-bulk-writer.service';
import { ProductDetailsService } from './services/product-details.service';
import { ProductDraftsService } from './services/product-drafts.service';
import { ProductImportService } from './services/product-import.service';
import { ProductLifecycleService } from './services/product-lifecycle.service';
import { ProductSearchService } from './services/product-search.service';
import { SearchDbPool } from './services/search-db-pool.service';
import { SearchResultsCache } from './search-cache/search-results-cache.service';
import { StockAdjustmentsService } from './services/stock-adjustments.service';
import { StockService } from './services/stock.service';
import { SupplierAccessService } from './services/supplier-access.service';
import { SupplierApplicationsService } from './services/supplier-applications.service';
import { SupplierReviewService } from './services/supplier-review.service';
import { CatalogReportingService } from './reporting/catalog-reporting.service';

/** The catalog context: suppliers, categories, products, SKUs and stock. Public face: ./index.ts. */
@Module({
  imports: [IdentityModule, TypeOrmModule.forFeature([Supplier, SupplierTransition, Category, Product, Sku, StockMovement, ProductTransition])],
  controllers: [SuppliersController, CategoriesController, ProductsController, ModerationController, StockController, ImportsController],
  providers: [
    CatalogReportingService,
    CatalogNamesQueryService,
    CatalogQueryService,
    CatalogService,
    StockService,
    CategoriesService,
    LocalityService,
    SupplierAccessService,
    SupplierApplicationsService,
    SupplierReviewService,
    ProductBulkWriter,
    ProductDraftsService,
    ProductLifecycleService,
    ProductSearchService,
    SearchResultsCache,
    SearchDbPool,
    ProductDetailsService,
    StockAdjustmentsService,
    ProductImportService,
    CatalogDemoSeeder,
  ],
  exports: [CatalogReportingService, CatalogQueryService, CatalogNamesQueryService, CatalogService, StockService, CatalogDemoSeeder],
})
export class CatalogModule {}
