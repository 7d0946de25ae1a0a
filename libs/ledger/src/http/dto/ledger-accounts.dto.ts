import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { ACCOUNT_GUARDS } from '../../model/account-type';
import { MAX_STATEMENT_PAGE } from '../../services/account-reads.service';

export const LEDGER_ID_RE = /^[1-9][0-9]{0,18}$/;

export class LedgerIdParam {
  @ApiProperty({ example: '42', description: 'ledger id (a bigint, as a decimal string)' })
  @Matches(LEDGER_ID_RE, { message: 'id must be a positive integer' })
  id: string;
}

export class ListLedgerAccountsQuery extends PageQueryDto {
  @ApiPropertyOptional({ example: 'worker_grant', description: 'account type code' }) @IsOptional() @Matches(/^[a-z][a-z0-9_]{0,62}$/) type?: string;
  @ApiPropertyOptional({ example: 'campaign_member' }) @IsOptional() @IsString() @Length(1, 64) ownerType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) ownerId?: string;
  @ApiPropertyOptional({ description: 'tenant: the union or supplier organization' }) @IsOptional() @IsUUID() organizationId?: string;
}

export class AccountQuery {
  @ApiPropertyOptional({ example: '2026-11-26T12:00:00Z', description: 'also report the balance as of this time (entries count from their transaction start)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class StatementQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_STATEMENT_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_STATEMENT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^(0|[1-9][0-9]{0,18})$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class LedgerAccountDto {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ example: 'worker_grant' }) type: string;
  @ApiProperty({ example: 'campaign_member' }) ownerType: string;
  @ApiProperty() ownerId: string;
  @ApiProperty({ description: 'tenant key: union or supplier organization' }) organizationId: string;
  @ApiProperty({ nullable: true, type: String, description: 'the worker whose points these are' }) holderUserId: string | null;
  @ApiProperty({ enum: ACCOUNT_GUARDS }) guard: string;
  @ApiProperty({ description: 'fen' }) overdraftLimit: number;
  @ApiProperty({ description: 'fen' }) debitsPosted: number;
  @ApiProperty({ description: 'fen' }) creditsPosted: number;
  @ApiProperty({ description: 'credits − debits, fen' }) balance: number;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ description: 'present when asOf was asked' }) asOf?: string;
  @ApiPropertyOptional({ description: 'balance as of asOf, fen' }) balanceAsOf?: number;
}

export class LedgerAccountPageDto extends PageMetaDto {
  @ApiProperty({ type: [LedgerAccountDto] }) items: LedgerAccountDto[];
}

export class StatementLineDto {
  @ApiProperty() transferId: string;
  @ApiProperty() entryId: string;
  @ApiProperty({ example: 'order' }) kind: string;
  @ApiProperty({ example: 'order:3f2a…' }) reference: string;
  @ApiProperty() at: string;
  @ApiProperty({ description: 'fen taken out of the account' }) debit: number;
  @ApiProperty({ description: 'fen put into the account' }) credit: number;
  @ApiProperty({ description: 'balance after this transfer, fen' }) balance: number;
}

export class StatementDto {
  @ApiProperty({ type: [StatementLineDto] }) items: StatementLineDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next page; null on the last page' }) nextCursor: string | null;
}
