import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

export class CategoryNodeDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'grain-oil' }) code: string;
  @ApiProperty({ example: '粮油米面' }) name: string;
  @ApiProperty({ nullable: true, type: String }) parentId: string | null;
  @ApiProperty({ type: [String], description: 'ids from the root down to this category' }) path: string[];
  @ApiProperty({ description: 'union rules forbid it (cash equivalents): no product may be listed here' }) forbidden: boolean;
  @ApiProperty() position: number;
  @ApiProperty({ type: () => [CategoryNodeDto] }) children: CategoryNodeDto[];
}

export class CreateCategoryDto {
  @ApiProperty({ example: 'sea-salt' }) @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'code is lower-case letters, digits and dashes' }) code: string;
  @ApiProperty({ example: '海盐' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() parentId?: string;
  @ApiPropertyOptional({ description: 'forbidden by union rules (inherited from a forbidden parent anyway)' }) @IsOptional() @IsBoolean() forbidden?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(10000) position?: number;
}
