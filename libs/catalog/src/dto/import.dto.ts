import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ProductImportQuery {
  @ApiPropertyOptional({ default: false, description: 'check and count everything, write nothing' }) @IsOptional() @Transform(toBoolean) @IsBoolean() dryRun?: boolean;
  @ApiPropertyOptional({ default: true, description: 'new products go straight to review (false: they stay drafts)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  submit?: boolean;
}

export class ImportRowErrorDto {
  @ApiProperty({ description: 'line in the file; the header is line 1' }) line: number;
  @ApiProperty({ nullable: true, type: String }) skuCode: string | null;
  @ApiProperty({ example: 'price_fen', description: 'the column, or "row"' }) field: string;
  @ApiProperty({ example: 'must be a whole number of fen between 1 and 100000000' }) reason: string;
}

export class ImportReportDto {
  @ApiProperty() dryRun: boolean;
  @ApiProperty({ description: 'data rows in the file' }) rows: number;
  @ApiProperty({ description: 'new SKUs' }) created: number;
  @ApiProperty({ description: 'existing SKUs where something changed' }) updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty({ description: 'rows refused' }) failed: number;
  @ApiProperty() productsCreated: number;
  @ApiProperty() productsUpdated: number;
  @ApiProperty({ type: [ImportRowErrorDto], description: 'the first 1000, by line' }) errors: ImportRowErrorDto[];
  @ApiProperty() errorCount: number;
}
