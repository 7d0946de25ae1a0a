import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { BlockHeaderDto, ChainHeadDto } from './ledger-entries.dto';

/** The most headers one page of GET /ledger/blocks returns. */
export const MAX_BLOCKS_PAGE = 5000;

export class LedgerBlocksQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'first block height to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromHeight?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_BLOCKS_PAGE, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_BLOCKS_PAGE)
  limit?: number;
}

export class LedgerBlockHeaderDto extends BlockHeaderDto {
  @ApiProperty({ description: 'SHA-256 of this header: the next block’s prevHash' }) hash: string;
}

export class LedgerBlockPageDto {
  @ApiProperty({ type: [LedgerBlockHeaderDto], description: 'consecutive headers from `fromHeight`, in height order' }) items: LedgerBlockHeaderDto[];
  @ApiProperty({ type: Number, nullable: true, description: 'pass as `fromHeight` for the next page; null once the page reached the chain head' })
  nextFromHeight: number | null;
  @ApiProperty({ type: ChainHeadDto, nullable: true, description: 'the chain head when the page was read (null before the first seal)' }) head: ChainHeadDto | null;
}
