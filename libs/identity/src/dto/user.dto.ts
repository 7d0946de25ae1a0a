import { PageMetaDto, PageQueryDto, Role } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';

export class CreateUserDto {
  @ApiProperty() @IsUUID() organizationId: string;
  @ApiProperty({ example: 'zhang.wei' }) @IsString() @Matches(/^[a-zA-Z0-9._-]{2,64}$/, { message: 'username must be 2-64 letters, digits, dots, dashes or underscores' }) username: string;
  @ApiProperty({ example: '张伟' }) @IsString() @Length(1, 100) displayName: string;
  @ApiProperty({ minLength: 10 }) @IsString() @Length(10, 256) password: string;
  @ApiProperty({ enum: Role, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(5) @IsEnum(Role, { each: true }) roles: Role[];
}

export class ListUsersQuery extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() organizationId?: string;
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role) role?: Role;
}

export class UserDto {
  @ApiProperty() id: string;
  @ApiProperty() organizationId: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: Role[];
  @ApiProperty({ nullable: true, type: Date }) disabledAt: Date | null;
  @ApiProperty() createdAt: Date;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserDto] }) items: UserDto[];
}

export class MeDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() organizationId: string;
  @ApiProperty() organizationType: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: Role[];
}
