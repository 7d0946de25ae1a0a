import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

// Validation sees the address as it will be stored (AddressesService keeps it trimmed, the phone without
// spaces): checked raw, "   " or "1 2 3" passed here and then broke the table's checks.
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const withoutSpaces = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\s+/g, '') : value);

export class AddressInputDto {
  @ApiProperty({ example: '王建国', maxLength: 64, description: 'trimmed; 1–64 characters' }) @Transform(trimmed) @IsString() @Length(1, 64) recipient: string;
  @ApiProperty({ example: '13805320000', description: 'kept without spaces: 5–20 characters of digits, + and -, at least 5 of them digits' })
  @Transform(withoutSpaces)
  @IsString()
  @Matches(/^(?=(?:\D*\d){5})[0-9+-]{5,20}$/, { message: 'phone must be 5-20 characters of digits, + and - (spaces are dropped), at least 5 of them digits' })
  phone: string;
  @ApiPropertyOptional({ example: '370202', description: 'GB/T 2260 region code (6 digits)', nullable: true })
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'regionCode must be 6 digits' })
  regionCode?: string | null;
  @ApiProperty({ example: '山东省青岛市市南区港青路 6 号 2 号楼 301', maxLength: 300, description: 'trimmed; 1–300 characters' }) @Transform(trimmed) @IsString() @Length(1, 300) detail: string;
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
