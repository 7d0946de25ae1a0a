import { Role } from '@huigong/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'worker' }) @IsString() @Length(1, 64) username: string;
  @ApiProperty({ example: 'huigong-demo' }) @IsString() @Length(1, 256) password: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @Length(10, 200) refreshToken: string;
}

export class TokenUserDto {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: Role[];
  @ApiProperty() organizationId: string;
}

export class TokenPairDto {
  @ApiProperty() accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ description: 'seconds' }) expiresIn: number;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ description: 'seconds' }) refreshExpiresIn: number;
  @ApiProperty({ type: TokenUserDto }) user: TokenUserDto;
}
