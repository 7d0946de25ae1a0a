import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { SUPPLIER_STATUSES, SupplierStatus } from '../lifecycle/supplier-lifecycle';

const REGION = /^\d{6}$/;
const CATEGORY_CODE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class SupplierApplicationDto {
  @ApiProperty({ example: '崂山茶韵农业专业合作社' }) @IsString() @Length(2, 200) companyName: string;
  @ApiProperty({ example: '王秀英' }) @IsString() @Length(1, 100) contactName: string;
  @ApiProperty({ example: '13905321234' }) @IsString() @Matches(/^[0-9+ -]{5,30}$/, { message: 'contactPhone must be 5-30 digits, spaces, + or -' }) contactPhone: string;
  @ApiPropertyOptional({ example: 'sales@example.com' }) @IsOptional() @IsEmail() @Length(3, 200) contactEmail?: string;
  @ApiProperty({ example: '370212', description: 'GB/T 2260 region code of the company (its origin region)' })
  @Matches(REGION, { message: 'regionCode must be a 6-digit GB/T 2260 code' })
  regionCode: string;
  @ApiProperty({ example: ['tea', 'fruit'], description: 'codes of the categories it sells (GET /catalog/categories); forbidden ones are refused' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @Matches(CATEGORY_CODE, { each: true, message: 'each category code is lower-case letters, digits and dashes' })
  categoryCodes: string[];
  @ApiPropertyOptional({ example: '崂山北宅街道茶农合作社，自有茶园300亩。' }) @IsOptional() @IsString() @Length(0, 2000) introduction?: string;
  @ApiPropertyOptional({ example: '农产品地理标志 AGI00583', description: 'certificate name and number, verified at approval' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  certification?: string;
  @ApiPropertyOptional({ example: '370212', description: 'the origin region the certificate covers (default: regionCode)' })
  @IsOptional()
  @Matches(REGION, { message: 'certifiedRegionCode must be a 6-digit GB/T 2260 code' })
  certifiedRegionCode?: string;
}

export class SupplierApplicationResultDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: SUPPLIER_STATUSES, example: 'pending' }) status: SupplierStatus;
  @ApiProperty() createdAt: Date;
}

export class SupplierDto {
  @ApiProperty() id: string;
  @ApiProperty() companyName: string;
  @ApiProperty() contactName: string;
  @ApiProperty() contactPhone: string;
  @ApiProperty({ nullable: true, type: String }) contactEmail: string | null;
  @ApiProperty() regionCode: string;
  @ApiProperty({ type: [String] }) categoryCodes: string[];
  @ApiProperty() introduction: string;
  @ApiProperty({ nullable: true, type: String }) certification: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'products whose origin lies here have a certified origin' }) certifiedRegionCode: string | null;
  @ApiProperty({ enum: SUPPLIER_STATUSES }) status: SupplierStatus;
  @ApiProperty({ nullable: true, type: String }) statusReason: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the supplier organization, once approved' }) organizationId: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class SupplierTransitionDto {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'approve' }) action: string;
  @ApiProperty({ nullable: true, type: String }) fromStatus: string | null;
  @ApiProperty() toStatus: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) actorUserId: string | null;
  @ApiProperty() at: Date;
}

export class SupplierDetailDto extends SupplierDto {
  @ApiProperty({ type: [SupplierTransitionDto] }) history: SupplierTransitionDto[];
}

export class SupplierPageDto extends PageMetaDto {
  @ApiProperty({ type: [SupplierDto] }) items: SupplierDto[];
}

export class ListSuppliersQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: SUPPLIER_STATUSES }) @IsOptional() @IsIn(SUPPLIER_STATUSES) status?: SupplierStatus;
  @ApiPropertyOptional({ description: 'part of the company name' }) @IsOptional() @IsString() @Length(1, 100) q?: string;
}

export class ApproveSupplierDto {
  @ApiPropertyOptional({ example: 'laoshan.tea', description: 'username of the first staff account (default supplier-<id prefix>)' })
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]{2,64}$/, { message: 'username must be 2-64 letters, digits, dots, dashes or underscores' })
  username?: string;
  @ApiPropertyOptional({ minLength: 10, description: 'omit to have one generated and returned once' }) @IsOptional() @IsString() @Length(10, 256) password?: string;
  @ApiPropertyOptional({ example: '王秀英' }) @IsOptional() @IsString() @Length(1, 100) displayName?: string;
}

export class StaffUserDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
}

export class ApprovalResultDto {
  @ApiProperty({ type: SupplierDto }) supplier: SupplierDto;
  @ApiProperty({ type: StaffUserDto }) staffUser: StaffUserDto;
  @ApiProperty({ nullable: true, type: String, description: 'the generated password, shown this once (null when you chose one)' })
  initialPassword: string | null;
}

export class CatalogReasonDto {
  @ApiProperty({ example: '营业执照已过期' }) @IsString() @Length(1, 500) reason: string;
}

export class CatalogOptionalReasonDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class CertificationDto {
  @ApiProperty({ nullable: true, type: String, example: '绿色食品 LB-15-2303370123A', description: 'null removes the certification' })
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Length(1, 200)
  certification: string | null;
  @ApiPropertyOptional({ example: '370212', description: 'region the certificate covers (default: the supplier region)' })
  @IsOptional()
  @Matches(REGION, { message: 'certifiedRegionCode must be a 6-digit GB/T 2260 code' })
  certifiedRegionCode?: string;
}
