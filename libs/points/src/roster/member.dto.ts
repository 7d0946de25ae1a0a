import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateMemberDto {
  @ApiProperty({ example: 'QDG10086' }) @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'employeeNo must be 1-32 letters, digits, _ or -' }) employeeNo: string;
  @ApiProperty({ example: '李师傅' }) @IsString() @Length(1, 64) name: string;
  @ApiProperty({ example: '13800138000', description: '11-digit mainland China mobile number' }) @IsString() @Length(11, 20) phone: string;
  @ApiPropertyOptional({ example: '装卸一队', description: 'department or group (campaigns may target groups)' }) @IsOptional() @IsString() @Length(0, 64) group?: string;
  @ApiPropertyOptional({ example: '2019-07-01' }) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/) joinDate?: string;
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ example: '李建国' }) @IsOptional() @IsString() @Length(1, 64) name?: string;
  @ApiPropertyOptional({ example: '13800138001' }) @IsOptional() @IsString() @Length(11, 20) phone?: string;
  @ApiPropertyOptional({ example: '装卸二队' }) @IsOptional() @IsString() @Length(0, 64) group?: string;
  @ApiPropertyOptional({ example: '2019-07-01', nullable: true, type: String }) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/) joinDate?: string | null;
}

export class LeaveMemberDto {
  @ApiPropertyOptional({ example: '调离本单位' }) @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class ListMembersQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'left'] }) @IsOptional() @IsIn(['active', 'left']) status?: 'active' | 'left';
  @ApiPropertyOptional({ description: 'exact group name' }) @IsOptional() @IsString() @Length(0, 64) group?: string;
  @ApiPropertyOptional({ description: 'prefix of the name, employee number or phone' }) @IsOptional() @IsString() @Length(1, 64) q?: string;
  @ApiPropertyOptional({ description: 'true: only members with an account; false: only those without' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  activated?: boolean;
}

export class ImportQuery {
  @ApiPropertyOptional({ description: 'true: validate and report what would change, write nothing' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value))
  @IsBoolean()
  dryRun?: boolean;
}

export class MemberDto {
  @ApiProperty() id: string;
  @ApiProperty() unionId: string;
  @ApiProperty() employeeNo: string;
  @ApiProperty() name: string;
  @ApiProperty() phone: string;
  @ApiProperty() group: string;
  @ApiProperty({ nullable: true, type: String }) joinDate: string | null;
  @ApiProperty({ enum: ['active', 'left'] }) status: string;
  @ApiProperty({ nullable: true, type: Date }) leftAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) leaveReason: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the member’s user account once activated' }) userId: string | null;
  @ApiProperty({ nullable: true, type: Date }) activatedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date, description: 'when the current activation code expires (null: none issued)' }) activationCodeExpiresAt: Date | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class MemberPageDto extends PageMetaDto {
  @ApiProperty({ type: [MemberDto] }) items: MemberDto[];
}

export class RowErrorDto {
  @ApiProperty({ example: 7 }) line: number;
  @ApiProperty({ example: 'phone' }) field: string;
  @ApiProperty({ example: 'must be an 11-digit mainland China mobile number (1[3-9]xxxxxxxxx)' }) reason: string;
  @ApiPropertyOptional({ example: 'QDG0007' }) employeeNo?: string;
}

export class RosterChangeDto {
  @ApiProperty() line: number;
  @ApiProperty() employeeNo: string;
  @ApiProperty({ enum: ['create', 'update'] }) action: string;
  @ApiPropertyOptional({ type: [String], example: ['phone', 'group'] }) fields?: string[];
}

export class RosterImportReportDto {
  @ApiProperty() dryRun: boolean;
  @ApiProperty() totalRows: number;
  @ApiProperty() validRows: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty({ description: 'rows left out because of errors' }) rejected: number;
  @ApiProperty({ type: [RowErrorDto] }) errors: RowErrorDto[];
  @ApiProperty({ type: [RosterChangeDto], description: 'the first 500 changes' }) changes: RosterChangeDto[];
}

export class LeaveResultDto {
  @ApiProperty({ type: MemberDto }) member: MemberDto;
  @ApiProperty({ description: 'fen returned from the member’s grants (to campaign pools while a window is open, else to the union budget)' }) returnedFen: number;
  @ApiProperty({ type: [Object], example: [{ campaignId: 'uuid', amountFen: 50000, to: 'campaign_pool' }] })
  returns: { campaignId: string; amountFen: number; to: 'campaign_pool' | 'union_budget' }[];
  @ApiProperty({ description: 'campaigns whose not-yet-credited grant was withdrawn' }) withdrawnPending: number;
}
