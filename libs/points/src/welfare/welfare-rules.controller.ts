import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EffectiveCapDto, ListRulesQuery, SetPlatformRuleDto, SetUnionRuleDto, WelfareRuleDto, WelfareRuleListDto } from './welfare-rule.dto';
import { WelfareRulesService } from './welfare-rules.service';
import { UnionAccess } from '../shared/union-access.service';

@ApiTags('welfare rules')
@Controller()
export class WelfareRulesController {
  constructor(
    private readonly rules: WelfareRulesService,
    private readonly access: UnionAccess,
  ) {}

  @Get('welfare-rules')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'Welfare rules (annual caps per member): all of them, or ?unionId= those that apply to a union' })
  @ApiOkResponse({ type: WelfareRuleListDto })
  async list(@CurrentUser() user: AuthUser, @Query() q: ListRulesQuery): Promise<WelfareRuleListDto> {
    return { items: await this.rules.list(user, q.unionId) };
  }

  @Put('welfare-rules/platform')
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Set the platform-wide annual cap, or a region’s (regionPrefix, e.g. 37 = Shandong); replaces the rule for that region' })
  @ApiOkResponse({ type: WelfareRuleDto })
  setPlatform(@CurrentUser() user: AuthUser, @Body() dto: SetPlatformRuleDto): Promise<WelfareRuleDto> {
    return this.rules.setPlatform(user, dto);
  }

  @Put('unions/:unionId/welfare-rule')
  @Roles(Role.UnionAdmin, Role.PlatformAdmin)
  @ApiOperation({
    summary: 'Set your union’s annual cap for this union (yours or one below it; applies to it and the unions below; the lowest applicable cap wins)',
    description:
      'One rule per (union, setter): a union admin sets their own union’s rule for the target (a parent union may set one for a child), a platform admin the platform’s. ' +
      'It never changes a rule set by another union. It may be stricter than a cap set for the target by a union above the caller’s, not looser: ' +
      'that is refused with 403 WELFARE_RULE_SET_ABOVE (details: ruleId, setByOrganizationId, annualCapFen, requestedFen) and nothing is written.',
  })
  @ApiOkResponse({ type: WelfareRuleDto })
  @ApiForbiddenResponse({ description: 'WELFARE_RULE_SET_ABOVE (looser than a cap set above your union), OUT_OF_SCOPE (not your union or one below it)', type: ErrorBodyDto })
  setUnion(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: SetUnionRuleDto): Promise<WelfareRuleDto> {
    return this.rules.setUnion(user, unionId, dto);
  }

  @Get('unions/:unionId/welfare-cap')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'The annual cap that applies to a union’s members, and the rules it comes from (each with the organization that set it)' })
  @ApiOkResponse({ type: EffectiveCapDto })
  async effective(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string): Promise<EffectiveCapDto> {
    await this.access.reach(user, unionId);
    return this.rules.effective(unionId);
  }

  @Delete('welfare-rules/:id')
  @Roles(Role.PlatformAdmin, Role.UnionAdmin)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a rule (platform rules: platform admins; union rules: the admins of the union that set it or of a union above that one, and platform admins)',
  })
  @ApiNoContentResponse({ description: 'removed' })
  @ApiForbiddenResponse({ description: 'WELFARE_RULE_SET_ABOVE (the rule applies to your union but was set by a union above yours), OUT_OF_SCOPE, FORBIDDEN (platform rules)', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.rules.remove(user, id);
  }
}
