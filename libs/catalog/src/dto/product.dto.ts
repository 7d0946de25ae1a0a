import { PageMetaDto, PageQueryDto, RememberValidQueries } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_PRICE_FEN, MAX_STOCK, SKU_CODE_PATTERN } from '../import/csv-rows';
import { PRODUCT_STATUSES, ProductStatus } from '../lifecycle/product-lifecycle';
import { PRODUCT_SORTS, ProductSort } from '../services/product-search.service';

const REGION = /^\d{6}$/;
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true };
/** Query strings carry booleans as text. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class SkuInputDto {
  @ApiPropertyOptional({ example: 'LS-TEA-250', description: "the supplier's own code (generated when omitted); unique per supplier" })
  @IsOptional()
  @Matches(SKU_CODE_PATTERN, { message: 'skuCode is 1-64 letters, digits, . _ - starting with a letter or digit' })
  skuCode?: string;
  @ApiProperty({ example: '250g/罐' }) @IsString() @Length(1, 100) spec: string;
  @ApiProperty({ example: 6800, description: 'price in fen' }) @IsInt() @Min(1) @Max(MAX_PRICE_FEN) priceFen: number;
  @ApiPropertyOptional({ example: 100, default: 0, description: 'initial stock' }) @IsOptional() @IsInt() @Min(0) @Max(MAX_STOCK) stock?: number;
  @ApiPropertyOptional({ nullable: true, type: Number, example: 2, description: 'per-member purchase limit (null: none)' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  perMemberLimit?: number | null;
}

export class CreateProductDto {
  @ApiProperty({ example: '崂山绿茶 明前特级' }) @IsString() @Length(1, 120) name: string;
  @ApiPropertyOptional({ example: '产自崂山北宅，豆香浓郁。' }) @IsOptional() @IsString() @MaxLength(5000) description?: string;
  @ApiPropertyOptional({ type: [String], example: ['https://img.example.com/tea.jpg'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUrl(URL_OPTIONS, { each: true })
  @MaxLength(500, { each: true })
  imageUrls?: string[];
  @ApiProperty({ description: 'a category that is not forbidden (422 CATEGORY_FORBIDDEN otherwise)' }) @IsUUID() categoryId: string;
  @ApiPropertyOptional({ example: '370212', description: 'GB/T 2260 origin region (default: the supplier region)' })
  @IsOptional()
  @Matches(REGION, { message: 'originRegionCode must be a 6-digit GB/T 2260 code' })
  originRegionCode?: string;
  @ApiProperty({ type: [SkuInputDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => SkuInputDto) skus: SkuInputDto[];
}

export class SkuChangeDto {
  @ApiProperty({ example: 'LS-TEA-250', description: 'an existing SKU of this product, or a new code to add one' })
  @Matches(SKU_CODE_PATTERN, { message: 'skuCode is 1-64 letters, digits, . _ - starting with a letter or digit' })
  skuCode: string;
  @ApiPropertyOptional({ example: '250g/罐' }) @IsOptional() @IsString() @Length(1, 100) spec?: string;
  @ApiPropertyOptional({ example: 6800 }) @IsOptional() @IsInt() @Min(1) @Max(MAX_PRICE_FEN) priceFen?: number;
  @ApiPropertyOptional({ description: 'initial stock of a new SKU only (400 STOCK_NOT_EDITABLE for an existing one)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  stock?: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(1) @Max(1_000_000) perMemberLimit?: number | null;
}

export class UpdateProductDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) description?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(10) @IsUrl(URL_OPTIONS, { each: true }) @MaxLength(500, { each: true }) imageUrls?: string[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(REGION, { message: 'originRegionCode must be a 6-digit GB/T 2260 code' }) originRegionCode?: string;
  @ApiPropertyOptional({ type: [SkuChangeDto] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => SkuChangeDto) skus?: SkuChangeDto[];
}

// the shoppers' search: the same few queries again and again, validating one costs more than a cached page
@RememberValidQueries()
export class ListProductsQuery extends PageQueryDto {
  @ApiPropertyOptional({ example: '大米', description: 'substring of name or description; space-separated terms must all match (up to 5)' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  q?: string;
  @ApiPropertyOptional({ description: 'the category and everything below it' }) @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional({ description: 'in fen: a SKU costs at least this' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_PRICE_FEN) minPrice?: number;
  @ApiPropertyOptional({ description: 'in fen: a SKU costs at most this' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_PRICE_FEN) maxPrice?: number;
  @ApiPropertyOptional({ description: "only goods of certified origin in the viewer's city (Qingdao by default)" })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  localOnly?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsUUID() supplierId?: string;
  @ApiPropertyOptional({ description: 'only products with a SKU in stock (meeting the price range too)' }) @IsOptional() @Transform(toBoolean) @IsBoolean() inStock?: boolean;
  @ApiPropertyOptional({ enum: PRODUCT_SORTS, default: 'sales' }) @IsOptional() @IsIn(PRODUCT_SORTS) sort?: ProductSort;
}

export class ProductSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: '崂山绿茶' }) name: string;
  @ApiProperty({ type: [String] }) imageUrls: string[];
  @ApiProperty() categoryId: string;
  @ApiProperty({ nullable: true, type: String }) categoryName: string | null;
  @ApiProperty() supplierId: string;
  @ApiProperty() supplierName: string;
  @ApiProperty({ example: '370212' }) originRegionCode: string;
  @ApiProperty({ description: "certified origin in the viewer's city (青岛造 for Qingdao)" }) local: boolean;
  @ApiProperty({ description: 'fen' }) minPriceFen: number;
  @ApiProperty({ description: 'fen' }) maxPriceFen: number;
  @ApiProperty({ description: 'all SKUs together' }) stock: number;
  @ApiProperty() inStock: boolean;
  @ApiProperty() salesCount: number;
  @ApiProperty({ example: 4.85 }) ratingAverage: number;
  @ApiProperty() ratingCount: number;
}

export class ProductPageDto extends PageMetaDto {
  @ApiProperty({ type: [ProductSummaryDto] }) items: ProductSummaryDto[];
  @ApiProperty({ description: 'more than 1000 products match: total is 1000 (keep paging while pages are full)' }) totalCapped: boolean;
}

export class SkuDto {
  @ApiProperty() id: string;
  @ApiProperty() skuCode: string;
  @ApiProperty() spec: string;
  @ApiProperty({ description: 'fen' }) priceFen: number;
  @ApiProperty() stock: number;
  @ApiProperty({ nullable: true, type: Number }) perMemberLimit: number | null;
}

export class CategoryRefDto {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
}

export class SupplierRefDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() regionCode: string;
  @ApiProperty({ nullable: true, type: String }) certification: string | null;
}

export class ProductDetailDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String] }) imageUrls: string[];
  @ApiProperty({ enum: PRODUCT_STATUSES }) status: ProductStatus;
  @ApiProperty({ nullable: true, type: String, description: 'why it was rejected or taken down' }) statusReason: string | null;
  @ApiProperty({ description: 'visible to shoppers: active, and the supplier is approved' }) listed: boolean;
  @ApiProperty() categoryId: string;
  @ApiProperty({ type: [CategoryRefDto] }) categoryPath: CategoryRefDto[];
  @ApiProperty({ type: SupplierRefDto }) supplier: SupplierRefDto;
  @ApiProperty() originRegionCode: string;
  @ApiProperty({ description: "the supplier's verified certification covers the origin" }) originCertified: boolean;
  @ApiProperty({ description: "certified origin in the viewer's city" }) local: boolean;
  @ApiProperty({ nullable: true, type: Number }) minPriceFen: number | null;
  @ApiProperty({ nullable: true, type: Number }) maxPriceFen: number | null;
  @ApiProperty() salesCount: number;
  @ApiProperty() ratingAverage: number;
  @ApiProperty() ratingCount: number;
  @ApiProperty({ type: [SkuDto] }) skus: SkuDto[];
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ProductUpdateResultDto extends ProductDetailDto {
  @ApiProperty({ description: 'the content change sent a listed product back to review' }) revised: boolean;
}

export class ProductTransitionDto {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'approve' }) action: string;
  @ApiProperty({ nullable: true, type: String, enum: PRODUCT_STATUSES }) fromStatus: ProductStatus | null;
  @ApiProperty({ enum: PRODUCT_STATUSES }) toStatus: ProductStatus;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) actorUserId: string | null;
  @ApiProperty() at: Date;
}

export class ProductStatusDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status: ProductStatus;
}

export class ManageProductsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: PRODUCT_STATUSES }) @IsOptional() @IsIn(PRODUCT_STATUSES) status?: ProductStatus;
  @ApiPropertyOptional({ description: 'platform admins and auditors; supplier staff always see their own' }) @IsOptional() @IsUUID() supplierId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 50) q?: string;
}

export class ManagedProductDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status: ProductStatus;
  @ApiProperty({ nullable: true, type: String }) statusReason: string | null;
  @ApiProperty() categoryId: string;
  @ApiProperty() supplierId: string;
  @ApiProperty() supplierName: string;
  @ApiProperty({ nullable: true, type: Number }) minPriceFen: number | null;
  @ApiProperty({ nullable: true, type: Number }) maxPriceFen: number | null;
  @ApiProperty() stock: number;
  @ApiProperty() salesCount: number;
  @ApiProperty() updatedAt: Date;
}

export class ManagedProductPageDto extends PageMetaDto {
  @ApiProperty({ type: [ManagedProductDto] }) items: ManagedProductDto[];
}

export class ModerationItemDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() supplierId: string;
  @ApiProperty() supplierName: string;
  @ApiProperty() categoryId: string;
  @ApiProperty() originRegionCode: string;
  @ApiProperty({ nullable: true, type: Number }) minPriceFen: number | null;
  @ApiProperty() submittedAt: Date;
}

export class ModerationPageDto extends PageMetaDto {
  @ApiProperty({ type: [ModerationItemDto] }) items: ModerationItemDto[];
}
