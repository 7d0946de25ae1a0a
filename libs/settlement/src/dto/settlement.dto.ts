import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDateString, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

export class StartRunDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'settle only this supplier (the catalog supplier id); default: every supplier' })
  @IsOptional()
  @IsUUID()
  supplierId?: string;
}

export class RecordPayoutDto {
  @ApiProperty({ description: 'fen; must equal the statement total (a statement is paid once, in full)', example: 1980000 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountFen: number;

  @ApiProperty({ example: 'ICBC-20261127-000321', description: 'the bank’s reference of the transfer to the supplier (unique per supplier)' })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'bankReference must be 1-64 printable ASCII characters without spaces' })
  bankReference: string;

  @ApiProperty({ example: '2026-11-27', description: 'the day the bank paid (YYYY-MM-DD)' })
  @IsDateString({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'paidOn must be a date YYYY-MM-DD' })
  paidOn: string;
}

export class StatementListQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'platform admins and auditors: one supplier (its catalog supplier id)' })
  @IsOptional()
  @IsUUID()
  supplierId?: string;

  @ApiPropertyOptional({ description: 'true: paid only; false: awaiting payout' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  paid?: boolean;
}

export class SettlementStatementLineDto {
  @ApiProperty() lineNo: number;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty() completedAt: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() completionEntryId: string;
}

export class PayoutDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) statementId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() bankReference: string;
  @ApiProperty() paidOn: string;
  @ApiProperty({ description: 'the supplier_payout ledger entry (payable → paid out)' }) ledgerEntryId: string;
  @ApiProperty({ format: 'uuid' }) recordedBy: string;
  @ApiProperty() recordedAt: string;
}

export class StatementSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ST-20261127-000001' }) number: string;
  @ApiProperty({ format: 'uuid' }) runId: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ format: 'uuid' }) supplierOrganizationId: string;
  @ApiProperty() payableAccountId: string;
  @ApiProperty({ description: 'earliest completion on the statement' }) periodStart: string;
  @ApiProperty({ description: 'the run’s cutoff: orders completed up to here' }) periodEnd: string;
  @ApiProperty() lineCount: number;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() issuedAt: string;
  @ApiProperty({ enum: ['issued', 'paid'] }) status: 'issued' | 'paid';
}

export class StatementDetailDto extends StatementSummaryDto {
  @ApiProperty({ type: [SettlementStatementLineDto], description: 'one page of the lines, in line order (see `linesPage`)' }) lines: SettlementStatementLineDto[];
  @ApiProperty({ type: PageMetaDto, description: 'which lines `lines` holds: `total` lines in all' }) linesPage: PageMetaDto;
  @ApiProperty({ type: PayoutDto, nullable: true }) payout: PayoutDto | null;
}

export class StatementPageDto extends PageMetaDto {
  @ApiProperty({ type: [StatementSummaryDto] }) items: StatementSummaryDto[];
}

export class RunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['api', 'cli', 'schedule'] }) trigger: 'api' | 'cli' | 'schedule';
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) requestedBy: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) supplierId: string | null;
  @ApiProperty() cutoff: string;
  @ApiProperty() statementCount: number;
  @ApiProperty() orderCount: number;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() startedAt: string;
  @ApiProperty() finishedAt: string;
  @ApiProperty({ type: [StatementSummaryDto] }) statements: StatementSummaryDto[];
}

export class RunPageDto extends PageMetaDto {
  @ApiProperty({ type: [RunDto] }) items: RunDto[];
}

export class RunListQuery extends PageQueryDto {}
