import { PageMetaDto } from '@huigong/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min, NotEquals } from 'class-validator';

export class StockAdjustmentDto {
  @ApiProperty({ example: 50, description: 'non-zero: positive for goods received, negative for breakage or a recount' })
  @IsInt()
  @NotEquals(0)
  @Min(-10_000_000)
  @Max(10_000_000)
  delta: number;
  @ApiProperty({ example: '到货入库' }) @IsString() @Length(1, 200) reason: string;
}

export class StockLevelDto {
  @ApiProperty() skuId: string;
  @ApiProperty() stock: number;
}

export class StockMovementDto {
  @ApiProperty() id: number;
  @ApiProperty({ enum: ['adjustment', 'sale', 'release'] }) kind: string;
  @ApiProperty() delta: number;
  @ApiProperty() stockAfter: number;
  @ApiProperty({ nullable: true, type: String, description: 'the order (sale, release)' }) reference: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) actorUserId: string | null;
  @ApiProperty() createdAt: Date;
}

export class StockMovementPageDto extends PageMetaDto {
  @ApiProperty({ type: [StockMovementDto] }) items: StockMovementDto[];
  @ApiProperty({ description: 'current stock of the SKU' }) stock: number;
}
