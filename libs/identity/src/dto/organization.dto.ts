import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { OrganizationType } from '../entities/organization.entity';

export class CreateOrganizationDto {
  @ApiProperty({ enum: OrganizationType }) @IsEnum(OrganizationType) type: OrganizationType;
  @ApiProperty({ example: '青岛港集团工会' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ description: 'parent union (a city federation above a grassroots union)' })
  @IsOptional()
  @IsUUID()
  parentId?: string;
  @ApiPropertyOptional({ example: '370200', description: 'GB/T 2260 region code' })
  @IsOptional()
  @Matches(/^\d{6}$/)
  regionCode?: string;
}

export class ListOrganizationsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: OrganizationType }) @IsOptional() @IsEnum(OrganizationType) type?: OrganizationType;
  @ApiPropertyOptional() @IsOptional() @IsUUID() parentId?: string;
}

export class OrganizationDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: OrganizationType }) type: OrganizationType;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) parentId: string | null;
  @ApiProperty() path: string;
  @ApiProperty({ nullable: true, type: String }) regionCode: string | null;
  @ApiProperty() createdAt: Date;
}

export class OrganizationPageDto extends PageMetaDto {
  @ApiProperty({ type: [OrganizationDto] }) items: OrganizationDto[];
}

export class IdParam {
  @ApiProperty() @IsUUID() id: string;
}

