import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

export class UnionAdminInputDto {
  @ApiProperty({ example: 'qdg-union-admin' })
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]{2,64}$/, { message: 'username must be 2-64 letters, digits, dots, dashes or underscores' })
  username: string;
  @ApiProperty({ example: '工会主席 张红' }) @IsString() @Length(1, 100) displayName: string;
  @ApiProperty({ minLength: 10 }) @IsString() @Length(10, 256) password: string;
}

export class OnboardUnionDto {
  @ApiPropertyOptional({ description: 'adopt an existing union organization instead of creating one (then name/parentId/regionCode are ignored)' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
  @ApiPropertyOptional({ example: '青岛啤酒厂工会', description: 'required unless organizationId is given' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
  @ApiPropertyOptional({ description: 'the parent union (e.g. the city federation)' }) @IsOptional() @IsUUID() parentId?: string;
  @ApiPropertyOptional({ example: '370202', description: 'GB/T 2260 region code of the union' }) @IsOptional() @Matches(/^\d{6}$/) regionCode?: string;
  @ApiPropertyOptional({ example: '370200', description: 'the city (GB/T 2260) whose welfare rules apply' }) @IsOptional() @Matches(/^\d{6}$/) cityRegionCode?: string;
  @ApiPropertyOptional({ example: '张红' }) @IsOptional() @IsString() @Length(1, 64) contactName?: string;
  @ApiPropertyOptional({ example: '0532-8298 2000' }) @IsOptional() @Matches(/^[0-9+ -]{5,20}$/) contactPhone?: string;
  @ApiPropertyOptional({ type: UnionAdminInputDto, description: 'the union’s first admin (a union_admin user in the union)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => UnionAdminInputDto)
  admin?: UnionAdminInputDto;
}

export class BudgetSummaryDto {
  @ApiProperty({ description: 'ledger account id of the union budget' }) budgetAccountId: string;
  @ApiProperty({ description: 'fen; negative when the union allocated on credit' }) balanceFen: number;
  @ApiProperty({ description: 'fen; the credit limit of the agreement in force today (0 = prepaid only, or no agreement in force)' }) creditLimitFen: number;
  @ApiProperty({ description: 'fen; what the union may still allocate: balance + credit limit (negative while it owes more than its agreement’s credit limit)' }) availableFen: number;
  @ApiProperty({ description: 'fen; what the union owes the platform: max(0, −balance)' }) owedFen: number;
  @ApiProperty({ description: 'fen; all deposits recorded' }) depositedFen: number;
}

export class UnionDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) parentId: string | null;
  @ApiProperty() path: string;
  @ApiProperty({ nullable: true, type: String }) regionCode: string | null;
  @ApiProperty({ nullable: true, type: String }) cityRegionCode: string | null;
  @ApiProperty({ nullable: true, type: String }) contactName: string | null;
  @ApiProperty({ nullable: true, type: String }) contactPhone: string | null;
  @ApiProperty() fundingAccountId: string;
  @ApiProperty() budgetAccountId: string;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ type: BudgetSummaryDto }) budget?: BudgetSummaryDto;
  @ApiPropertyOptional({ description: 'the admin created with the union', type: Object, example: { id: 'uuid', username: 'qdg-union-admin' } })
  admin?: { id: string; username: string };
}

export class UnionPageDto extends PageMetaDto {
  @ApiProperty({ type: [UnionDto] }) items: UnionDto[];
}

export class ListUnionsQuery extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() parentId?: string;
}

export class SignAgreementDto {
  @ApiProperty({ example: 'HG-2025-QDG-001', description: 'agreement number (unique)' }) @IsString() @Length(1, 64) number: string;
  @ApiProperty({ example: '2025-01-06', description: 'signing date' }) @IsDateString({ strict: true }) @Matches(/^\d{4}-\d{2}-\d{2}$/) signedOn: string;
  @ApiProperty({ example: '2025-01-01' }) @IsDateString({ strict: true }) @Matches(/^\d{4}-\d{2}-\d{2}$/) termStart: string;
  @ApiProperty({ example: '2025-12-31' }) @IsDateString({ strict: true }) @Matches(/^\d{4}-\d{2}-\d{2}$/) termEnd: string;
  @ApiProperty({ example: 3000 }) @IsInt() @Min(0) @Max(10_000_000) expectedHeadcount: number;
  @ApiProperty({ example: 300_000_000, description: 'fen' }) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) expectedAmountFen: number;
  @ApiProperty({ example: 10_000_000, description: 'fen; 0 means prepaid only' }) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) creditLimitFen: number;
  @ApiPropertyOptional({ example: 'contracts/2025/HG-2025-QDG-001.pdf', description: 'where the signed document is kept' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  documentRef?: string;
}

export class AgreementDto {
  @ApiProperty() id: string;
  @ApiProperty() unionId: string;
  @ApiProperty() number: string;
  @ApiProperty() signedOn: string;
  @ApiProperty() termStart: string;
  @ApiProperty() termEnd: string;
  @ApiProperty() expectedHeadcount: number;
  @ApiProperty() expectedAmountFen: number;
  @ApiProperty() creditLimitFen: number;
  @ApiProperty({ nullable: true, type: String }) documentRef: string | null;
  @ApiProperty({
    enum: ['active', 'upcoming', 'superseded', 'expired'],
    description:
      'today (Beijing time, by the database clock): active = in force (the most recently recorded agreement whose term covers today; its credit limit governs the budget); upcoming = its term has not started (a renewal signed ahead of time: the current agreement stays in force until then); superseded = an agreement recorded later, overlapping its term, has taken over; expired = its term ended and none took over',
  })
  status: string;
  @ApiProperty({ description: 'true when status = active: approvals and added members are allowed under this agreement today' }) inForce: boolean;
  @ApiProperty({ nullable: true, type: String }) createdBy: string | null;
  @ApiProperty() createdAt: Date;
}

export class AgreementListDto {
  @ApiProperty({ type: [AgreementDto] }) items: AgreementDto[];
}
