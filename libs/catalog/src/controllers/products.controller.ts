import { ALL_ROLES, AuthUser, CurrentUser, ErrorBodyDto, pageOf, RequestCacheEpoch, Role, Roles, sendJson, TransactionRunner } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CatalogOptionalReasonDto } from '../dto/supplier.dto';
import {
  CreateProductDto,
  ListProductsQuery,
  ManagedProductPageDto,
  ManageProductsQuery,
  ProductDetailDto,
  ProductPageDto,
  ProductStatusDto,
  ProductTransitionDto,
  ProductUpdateResultDto,
  UpdateProductDto,
} from '../dto/product.dto';
import { ProductDetailsService } from '../services/product-details.service';
import { ProductDraftsService } from '../services/product-drafts.service';
import { ProductLifecycleService } from '../services/product-lifecycle.service';
import { ProductSearchService } from '../services/product-search.service';

@ApiTags('catalog')
@Controller('catalog')
export class ProductsController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly search: ProductSearchService,
    private readonly details: ProductDetailsService,
    private readonly drafts: ProductDraftsService,
    private readonly lifecycle: ProductLifecycleService,
  ) {}

  @Get('products')
  @Roles(...ALL_ROLES)
  @ApiOperation({
    summary: 'Browse and search listed products',
    description:
      'Keyword q matches any substring of name or description (大米, 崂山, 海参); filters combine; sort by sales (default), price or rating. ' +
      '`total` counts up to 1000 (`totalCapped` beyond). 404 NOT_FOUND for an unknown categoryId. ' +
      'Pages are cached for a few seconds (CATALOG_SEARCH_CACHE_TTL_MS, default 5 s): product, price, listing, supplier and category changes show at once; ' +
      '`stock`, `inStock` (and the inStock filter), `salesCount` (and the sales order) and ratings may be that much behind.',
  })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: unknown categoryId', type: ErrorBodyDto })
  @ApiServiceUnavailableResponse({ description: 'SEARCH_UNAVAILABLE: the API process is shutting down (retry, another process answers); DATABASE_UNAVAILABLE', type: ErrorBodyDto })
  async list(@CurrentUser() user: AuthUser, @Query() q: ListProductsQuery, @Res() res: Response, @RequestCacheEpoch() cacheEpoch?: number): Promise<void> {
    const { limit, offset } = pageOf(q);
    // the body as the cache keeps it (JSON text): no serialization per request
    sendJson(res, await this.search.searchBody(user, { ...q, limit, offset }, cacheEpoch));
  }

  @Get('products/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'One product with its SKUs (unlisted products: only their supplier, platform admins and auditors; NOT_FOUND for others)' })
  @ApiOkResponse({ type: ProductDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ProductDetailDto> {
    return this.details.get(user, id);
  }

  @Get('products/:id/history')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'Lifecycle history of a product: who moved it, when, why' })
  @ApiOkResponse({ type: [ProductTransitionDto] })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  history(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ProductTransitionDto[]> {
    return this.lifecycle.history(user, id);
  }

  @Get('manage/products')
  @Roles(Role.SupplierStaff, Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Products in every status: supplier staff see their own, platform admins and auditors any supplier' })
  @ApiOkResponse({ type: ManagedProductPageDto })
  manage(@CurrentUser() user: AuthUser, @Query() q: ManageProductsQuery): Promise<ManagedProductPageDto> {
    return this.details.manage(user, { status: q.status, supplierId: q.supplierId, categoryId: q.categoryId, q: q.q, ...pageOf(q) });
  }

  @Post('products')
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Create a product as a draft, with its SKUs and their initial stock' })
  @ApiCreatedResponse({ type: ProductDetailDto })
  @ApiForbiddenResponse({ description: 'NOT_A_SUPPLIER, SUPPLIER_NOT_ACTIVE (pending, rejected or suspended)', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'SKU_CODE_TAKEN', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'CATEGORY_NOT_FOUND, CATEGORY_FORBIDDEN (cash equivalents)', type: ErrorBodyDto })
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateProductDto): Promise<ProductDetailDto> {
    const id = await this.tx.run((em) => this.drafts.create(em, user, dto));
    return this.details.get(user, id);
  }

  @Patch('products/:id')
  @Roles(Role.SupplierStaff)
  @ApiOperation({
    summary: 'Change a product and its SKUs',
    description:
      'Content (name, description, images, category, origin) changes freely in draft, rejected and delisted; on an active product it sends the product back to review. ' +
      'SKU prices, specs and limits change in any state; new SKU codes add SKUs. 409 PRODUCT_UNDER_REVIEW for content changes while pending review.',
  })
  @ApiOkResponse({ type: ProductUpdateResultDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'PRODUCT_UNDER_REVIEW, SKU_CODE_TAKEN', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'CATEGORY_NOT_FOUND, CATEGORY_FORBIDDEN', type: ErrorBodyDto })
  async update(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateProductDto): Promise<ProductUpdateResultDto> {
    const { revised } = await this.tx.run((em) => this.drafts.update(em, user, id, dto));
    return { ...(await this.details.get(user, id)), revised };
  }

  @Post('products/:id/submit')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Submit a draft (or a rejected or delisted product) for review' })
  @ApiOkResponse({ type: ProductStatusDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'PRODUCT_HAS_NO_SKUS', type: ErrorBodyDto })
  async submit(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ProductStatusDto> {
    return { id, status: await this.tx.run((em) => this.lifecycle.submit(em, user, id)) };
  }

  @Post('products/:id/delist')
  @HttpCode(200)
  @Roles(Role.SupplierStaff, Role.PlatformAdmin)
  @ApiOperation({ summary: 'Delist a product (supplier staff: their own; a platform admin takes one down and must give a reason)' })
  @ApiOkResponse({ type: ProductStatusDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION', type: ErrorBodyDto })
  async delist(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CatalogOptionalReasonDto): Promise<ProductStatusDto> {
    return { id, status: await this.tx.run((em) => this.lifecycle.delist(em, user, id, dto.reason)) };
  }
}
