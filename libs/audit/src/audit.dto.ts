import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';

export class LedgerExportQueryDto {
  @ApiProperty({ example: '2026-11-01T00:00:00+08:00', description: 'start of the period (inclusive), ISO 8601' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty({ example: '2026-12-01T00:00:00+08:00', description: 'end of the period (exclusive), ISO 8601; at most 366 days after `from`' })
  @IsISO8601({ strict: true })
  to: string;

  @ApiPropertyOptional({ example: '42', description: 'only entries with a transfer debiting or crediting this ledger account' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'accountId must be a ledger account id (a positive integer)' })
  accountId?: string;
}

export class VerificationsQueryDto {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class RecordedVerificationProblemDto {
  @ApiProperty({ enum: ['entry', 'block', 'account', 'ledger'] }) kind: string;
  @ApiProperty() id: string;
  @ApiProperty() reason: string;
}

export class VerificationRecordDto {
  @ApiProperty() id: string;
  @ApiProperty() at: string;
  @ApiProperty() ok: boolean;
  @ApiProperty() entries: number;
  @ApiProperty() blocks: number;
  @ApiProperty() accounts: number;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: RecordedVerificationProblemDto, nullable: true }) firstProblem: RecordedVerificationProblemDto | null;
}

export class VerificationHistoryDto {
  @ApiProperty({ enum: ['ok', 'failed', 'never_run'], description: 'the latest run’s outcome' }) status: string;
  @ApiProperty({ type: VerificationRecordDto, nullable: true }) latest: VerificationRecordDto | null;
  @ApiProperty({ nullable: true, type: String, description: 'when the ledger last verified clean' }) lastSuccessAt: string | null;
  @ApiProperty({ type: [VerificationRecordDto], description: 'newest first' }) items: VerificationRecordDto[];
}
