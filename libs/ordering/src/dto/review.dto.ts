import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ReviewInputDto {
  @ApiProperty({ minimum: 1, maximum: 5 }) @IsInt() @Min(1) @Max(5) stars: number;
  @ApiPropertyOptional({ maxLength: 1000, example: '崂山茶很香，包装完好' }) @IsOptional() @IsString() @MaxLength(1000) text?: string;
}

export class ReviewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ format: 'uuid' }) orderLineId: string;
  @ApiProperty({ format: 'uuid' }) productId: string;
  @ApiProperty({ format: 'uuid' }) skuId: string;
  @ApiProperty() stars: number;
  @ApiProperty() text: string;
  @ApiProperty() createdAt: string;
}

export class PositiveRateDto {
  @ApiProperty() reviews: number;
  @ApiProperty({ description: 'reviews with 4 or 5 stars' }) positive: number;
  @ApiProperty({ nullable: true, type: Number, description: 'positive / reviews (0..1, 4 decimals); null before the first review' }) rate: number | null;
}
