import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

export class SetPlatformRuleDto {
  @ApiPropertyOptional({ example: '37', description: 'GB/T 2260 region code prefix the rule applies to (e.g. 37 = Shandong, 3702 = Qingdao); omit for the platform-wide default' })
  @IsOptional()
  @Matches(/^\d{2,6}$/)
  regionPrefix?: string;
  @ApiProperty({ example: 150_000, description: 'fen per member per calendar year (¥1,500 = 150,000 fen)' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  annualCapFen: number;
  @ApiPropertyOptional({ example: '鲁工发〔2024〕X号' }) @IsOptional() @IsString() @Length(1, 500) note?: string;
}

export class SetUnionRuleDto {
  @ApiProperty({
    example: 120_000,
    description:
      'fen per member per calendar year; applies to this union and the unions below it. It is your own union’s rule for this union: it may not exceed a cap set for it by a union above yours (403 WELFARE_RULE_SET_ABOVE)',
  })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  annualCapFen: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) note?: string;
}

export class ListRulesQuery {
  @ApiPropertyOptional({ description: 'only the rules that apply to this union' }) @IsOptional() @IsUUID() unionId?: string;
}

export class WelfareRuleDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['platform', 'union'] }) scope: string;
  @ApiProperty({ nullable: true, type: String }) regionPrefix: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'union rules: the union it applies to (and the unions below it)' }) unionId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'union rules: the organization that set it (the union itself, a union above it, or the platform); only it and those above it change or remove the rule. null for platform rules',
  })
  setByOrganizationId: string | null;
  @ApiProperty() annualCapFen: number;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy: string | null;
  @ApiProperty() updatedAt: Date;
}

export class WelfareRuleListDto {
  @ApiProperty({ type: [WelfareRuleDto] }) items: WelfareRuleDto[];
}

export class EffectiveCapDto {
  @ApiProperty() unionId: string;
  @ApiProperty({ nullable: true, type: Number, description: 'fen per member per calendar year; null = no cap configured' }) annualCapFen: number | null;
  @ApiProperty({ type: [WelfareRuleDto], description: 'the rules that apply (the lowest cap wins)' }) rules: WelfareRuleDto[];
}
