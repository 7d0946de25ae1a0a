import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export class RecordDepositDto {
  @ApiProperty({ example: 50_000_000, description: 'fen received (¥500,000 = 50,000,000 fen)' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountFen: number;
  @ApiProperty({ example: 'ICBC-20250106-000123', description: 'the bank’s reference of the transfer; recording it twice records it once' })
  @IsString()
  @Matches(/^[\w./:-]{1,64}$/, { message: 'bankReference must be 1-64 letters, digits or . _ / : -' })
  bankReference: string;
  // a real calendar date (2025-02-30 is refused here, field named); "not after today" needs the
  // database clock, so RecordDepositService checks that
  @ApiProperty({ example: '2025-01-06', description: 'the day the bank received the transfer: a real date, not after today (China time)' })
  @IsDateString({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  receivedOn: string;
  @ApiPropertyOptional({ example: '2025 年春节慰问预存款' }) @IsOptional() @IsString() @Length(1, 500) note?: string;
}

export class DepositDto {
  @ApiProperty() id: string;
  @ApiProperty() unionId: string;
  @ApiProperty() amountFen: number;
  @ApiProperty() bankReference: string;
  @ApiProperty() receivedOn: string;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty() ledgerEntryId: string;
  @ApiProperty() recordedBy: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ description: 'true when this bank reference had been recorded before (nothing was posted again)' }) replayed: boolean;
}

export class DepositListDto {
  @ApiProperty({ type: [DepositDto] }) items: DepositDto[];
  @ApiProperty() totalFen: number;
}

export class RequestAdjustmentDto {
  @ApiProperty({ enum: ['increase', 'decrease'], description: 'increase: a correction in the union’s favour (funding → budget); decrease: a correction or withdrawal (budget → funding)' })
  @IsIn(['increase', 'decrease'])
  direction: 'increase' | 'decrease';
  @ApiProperty({ example: 100_000, description: 'fen' }) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) amountFen: number;
  @ApiProperty({ example: '银行手续费退回', description: 'why (4-500 characters); kept with the ledger entry' }) @IsString() @Length(4, 500) reason: string;
}

export class DecideAdjustmentDto {
  @ApiPropertyOptional({ example: '已核对银行回单' }) @IsOptional() @IsString() @Length(1, 500) note?: string;
}

export class AdjustmentDto {
  @ApiProperty() id: string;
  @ApiProperty() unionId: string;
  @ApiProperty({ enum: ['increase', 'decrease'] }) direction: string;
  @ApiProperty() amountFen: number;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) status: string;
  @ApiProperty() requestedBy: string;
  @ApiProperty() requestedAt: Date;
  @ApiProperty({ nullable: true, type: String }) decidedBy: string | null;
  @ApiProperty({ nullable: true, type: Date }) decidedAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) decisionNote: string | null;
  @ApiProperty({ nullable: true, type: String }) ledgerEntryId: string | null;
}

export class AdjustmentListDto {
  @ApiProperty({ type: [AdjustmentDto] }) items: AdjustmentDto[];
}

export class ListAdjustmentsQuery {
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'rejected'] }) @IsOptional() @IsIn(['pending', 'approved', 'rejected']) status?: string;
}

export class StatementQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 200) cursor?: string;
}
