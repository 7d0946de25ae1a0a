import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class AddressInputDto {
  @ApiProperty({ example: '王建国', maxLength: 64 }) @IsString() @Length(1, 64) recipient: string;
  @ApiProperty({ example: '13805320000' }) @IsString() @Matches(/^[0-9+ -]{5,20}$/, { message: 'phone must be 5-20 digits (+, space and - allowed)' }) phone: string;
  @ApiPropertyOptional({ example: '370202', description: 'GB/T 2260 region code (6 digits)', nullable: true })
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'regionCode must be 6 digits' })
  regionCode?: string | null;
  @ApiProperty({ example: '山东省青岛市市南区港青路 6 号 2 号楼 301', maxLength: 300 }) @IsString() @Length(1, 300) detail: string;
}

export class OrderAddressDto {
  @ApiProperty() recipient: string;
  @ApiProperty() phone: string;
  @ApiProperty({ nullable: true, type: String }) regionCode: string | null;
  @ApiProperty() detail: string;
}

export class SavedAddressDto extends OrderAddressDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() lastUsedAt: string;
}
