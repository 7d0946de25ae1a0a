import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { CampaignStatus } from './campaign.lifecycle';
import { RowErrorDto } from '../roster/member.dto';

/**
 * The most one member may receive in one campaign (1,000,000 points), for the flat amount, the
 * per-member cap, members added later and every row of a per-member CSV alike. It also keeps a
 * campaign's total a safe integer: 100,000 CSV rows × 10^8 fen stays far below 2^53.
 */
export const MAX_FEN_PER_MEMBER = 100_000_000;

export class CreateCampaignDto {
  @ApiProperty({ example: '2025 春节慰问' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ example: 'Spring Festival (春节) welfare for every member' }) @IsOptional() @IsString() @Length(1, 500) purpose?: string;
  @ApiProperty({ enum: ['flat', 'per_member'], description: 'flat: the same points for every eligible member; per_member: amounts from a CSV uploaded to PUT /campaigns/{id}/member-amounts' })
  @IsIn(['flat', 'per_member'])
  amountMode: 'flat' | 'per_member';
  @ApiPropertyOptional({ example: 50_000, description: 'fen per member (flat mode only; 500 points = 50,000 fen)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FEN_PER_MEMBER)
  pointsPerMemberFen?: number;
  @ApiPropertyOptional({ example: ['装卸一队', '装卸二队'], description: 'only members of these groups (omit for everyone)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(0, 64, { each: true })
  eligibleGroups?: string[];
  @ApiProperty({ example: '2025-01-20T00:00:00+08:00', description: 'the ordering window opens (ISO 8601 with offset)' }) @IsISO8601({ strict: true }) opensAt: string;
  @ApiProperty({ example: '2025-02-20T00:00:00+08:00', description: 'the ordering window closes; unspent points then return' }) @IsISO8601({ strict: true }) closesAt: string;
  @ApiPropertyOptional({ example: ['food', 'farm-produce'], description: 'catalog category ids/codes the points may buy (omit for anything)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  allowedCategoryIds?: string[];
  @ApiPropertyOptional({ example: 100_000, description: 'fen: the most one member may receive in this campaign (checked for flat and CSV amounts)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FEN_PER_MEMBER)
  perMemberCapFen?: number;
  @ApiPropertyOptional({ description: 'distribute at this time instead of right after approval (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }) distributeAt?: string;
}

export class ListCampaignsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: CampaignStatus }) @IsOptional() @IsIn(Object.values(CampaignStatus)) status?: CampaignStatus;
}

export class ApproveCampaignDto {
  @ApiPropertyOptional({ example: '经工会委员会讨论通过' }) @IsOptional() @IsString() @Length(1, 500) note?: string;
}

export class CancelCampaignDto {
  @ApiProperty({ example: '活动取消' }) @IsString() @Length(1, 500) reason: string;
}

export class AddCampaignMembersDto {
  @ApiPropertyOptional({ type: [String], description: 'members to add; omit to add every eligible active member not in the campaign yet' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  memberIds?: string[];
  @ApiPropertyOptional({ example: 50_000, description: 'fen each; defaults to the flat amount (required for per_member campaigns)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_FEN_PER_MEMBER)
  amountFen?: number;
}

export class DistributionProgressDto {
  @ApiProperty({ enum: ['pending', 'running', 'done'] }) status: string;
  @ApiProperty({ description: 'members to credit (those who left before being credited are not counted)' }) totalMembers: number;
  @ApiProperty() creditedMembers: number;
  @ApiProperty({ description: 'fen' }) creditedFen: number;
  @ApiProperty({ description: '0-100' }) percent: number;
  @ApiProperty() chunks: number;
  @ApiProperty({ description: 'how many times the job started (more than 1 after a crash or a later top-up)' }) runs: number;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) lastProgressAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
}

export class CampaignTransitionDto {
  @ApiProperty() action: string;
  @ApiProperty() fromStatus: string;
  @ApiProperty() toStatus: string;
  @ApiProperty({ description: 'a user id, or system:<job>' }) actor: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
  @ApiProperty() at: Date;
}

export class CampaignDto {
  @ApiProperty() id: string;
  @ApiProperty() unionId: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) purpose: string | null;
  @ApiProperty({ enum: ['flat', 'per_member'] }) amountMode: string;
  @ApiProperty({ nullable: true, type: Number }) pointsPerMemberFen: number | null;
  @ApiProperty({ nullable: true, type: [String] }) eligibleGroups: string[] | null;
  @ApiProperty() opensAt: Date;
  @ApiProperty() closesAt: Date;
  @ApiProperty({ nullable: true, type: [String] }) allowedCategoryIds: string[] | null;
  @ApiProperty({ nullable: true, type: Number }) perMemberCapFen: number | null;
  @ApiProperty({ nullable: true, type: Date }) distributeAt: Date | null;
  @ApiProperty({ enum: CampaignStatus }) status: CampaignStatus;
  @ApiProperty({ type: [String], description: 'what an admin may do next (from the declared lifecycle)' }) allowedActions: string[];
  @ApiProperty({ description: 'fen reserved (or, in a draft, planned)' }) totalFen: number;
  @ApiProperty() memberCount: number;
  @ApiProperty({ nullable: true, type: String }) poolAccountId: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'fen now in the campaign pool' }) poolBalanceFen?: number | null;
  @ApiProperty({ description: 'fen of unspent grants expired back to the pool at close' }) expiredFen: number;
  @ApiProperty({ description: 'fen returned to the union budget (close, members leaving after close)' }) returnedFen: number;
  @ApiProperty({ nullable: true, type: String }) createdBy: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiPropertyOptional({ type: DistributionProgressDto, nullable: true }) distribution?: DistributionProgressDto | null;
  @ApiPropertyOptional({ type: [CampaignTransitionDto] }) history?: CampaignTransitionDto[];
}

export class CampaignPageDto extends PageMetaDto {
  @ApiProperty({ type: [CampaignDto] }) items: CampaignDto[];
}

export class MemberAmountsReportDto {
  @ApiProperty() dryRun: boolean;
  @ApiProperty() totalRows: number;
  @ApiProperty() validRows: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ description: 'fen over the valid rows' }) totalFen: number;
  @ApiProperty({ type: [RowErrorDto] }) errors: RowErrorDto[];
}

export class AddMembersResultDto {
  @ApiProperty() added: number;
  @ApiProperty({ description: 'fen reserved from the budget for them' }) reservedFen: number;
  @ApiProperty({ description: 'the distribution round that will credit them' }) round: number;
}
