import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';

export class ActivateMemberDto {
  @ApiProperty({ example: '13800138000' }) @IsString() @Length(11, 20) phone: string;
  @ApiProperty({ example: 'QDG0001' }) @IsString() @Length(1, 32) employeeNo: string;
  @ApiProperty({ example: 'K7M2Q9TX', description: 'the 8-character code the union handed out' }) @IsString() @Length(6, 16) activationCode: string;
  @ApiProperty({ example: 'li.shifu' })
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]{2,64}$/, { message: 'username must be 2-64 letters, digits, dots, dashes or underscores' })
  username: string;
  @ApiProperty({ minLength: 10 }) @IsString() @Length(10, 256) password: string;
}

export class ActivatedUserDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty() organizationId: string;
}

export class ActivationResultDto {
  @ApiProperty() memberId: string;
  @ApiProperty() accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ description: 'seconds' }) expiresIn: number;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ description: 'seconds' }) refreshExpiresIn: number;
  @ApiProperty({ type: ActivatedUserDto }) user: ActivatedUserDto;
}

export class ActivationCodesQuery {
  @ApiPropertyOptional({ enum: ['new', 'all'], default: 'all', description: 'new: only members who never had a code; all: every member not activated yet (their old codes stop working)' })
  @IsOptional()
  @IsIn(['new', 'all'])
  only?: 'new' | 'all';
}

export class SendActivationCodesDto {
  @ApiPropertyOptional({ enum: ['new', 'all'], default: 'new' }) @IsOptional() @IsIn(['new', 'all']) only?: 'new' | 'all';
  @ApiPropertyOptional({ type: [String], description: 'only these members' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  memberIds?: string[];
}

export class SendActivationCodesResultDto {
  @ApiProperty() issued: number;
  @ApiProperty() sent: number;
  @ApiProperty({ type: [Object], example: [{ memberId: 'uuid', reason: 'gateway timeout' }] }) failed: { memberId: string; reason: string }[];
}
