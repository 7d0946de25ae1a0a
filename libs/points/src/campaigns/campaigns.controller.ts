import { AuthUser, CurrentUser, ErrorBodyDto, PageMetaDto, pageOf, PageQueryDto, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ImportQuery } from '../roster/member.dto';
import { ApiCsvBody, csvBody, IdempotencyKeyHeader } from '../shared/http.decorators';
import { AddCampaignMembersService } from './add-campaign-members.service';
import { ApproveCampaignService } from './approve-campaign.service';
import { CancelCampaignService } from './cancel-campaign.service';
import {
  AddCampaignMembersDto,
  AddMembersResultDto,
  ApproveCampaignDto,
  CampaignDto,
  CampaignPageDto,
  CancelCampaignDto,
  CreateCampaignDto,
  ListCampaignsQuery,
  MemberAmountsReportDto,
} from './campaign.dto';
import { CampaignQueryService } from './campaign-query.service';
import { CreateCampaignService } from './create-campaign.service';

const ADMINS = [Role.UnionAdmin, Role.PlatformAdmin];
const READERS = [...ADMINS, Role.Auditor];

class CampaignMembersQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['draft', 'pending', 'credited', 'withdrawn'] }) @IsOptional() @IsIn(['draft', 'pending', 'credited', 'withdrawn']) state?: string;
}

class CampaignMemberDto {
  @ApiProperty() memberId: string;
  @ApiProperty() employeeNo: string;
  @ApiProperty() name: string;
  @ApiProperty() group: string;
  @ApiProperty() amountFen: number;
  @ApiProperty({ enum: ['draft', 'pending', 'credited', 'withdrawn'] }) state: string;
  @ApiProperty({ nullable: true, type: String }) grantAccountId: string | null;
  @ApiProperty({ nullable: true, type: Date }) creditedAt: Date | null;
  @ApiProperty({ nullable: true, type: Number, description: 'fen left in the grant' }) balanceFen: number | null;
}

class CampaignMemberPageDto extends PageMetaDto {
  @ApiProperty({ type: [CampaignMemberDto] }) items: CampaignMemberDto[];
}

@ApiTags('campaigns')
@Controller()
export class CampaignsController {
  constructor(
    private readonly creating: CreateCampaignService,
    private readonly approving: ApproveCampaignService,
    private readonly cancelling: CancelCampaignService,
    private readonly adding: AddCampaignMembersService,
    private readonly query: CampaignQueryService,
  ) {}

  @Post('unions/:unionId/campaigns')
  @Roles(...ADMINS)
  @ApiOperation({ summary: 'Draft a welfare campaign (flat points per member, or per-member amounts from a CSV)' })
  @ApiCreatedResponse({ type: CampaignDto })
  @ApiUnprocessableEntityResponse({ description: 'WINDOW_IN_PAST', type: ErrorBodyDto })
  async create(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: CreateCampaignDto): Promise<CampaignDto> {
    const c = await this.creating.create(user, unionId, dto);
    return this.query.get(user, c.id);
  }

  @Get('unions/:unionId/campaigns')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The union’s campaigns, newest first, with distribution progress' })
  @ApiOkResponse({ type: CampaignPageDto })
  list(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: ListCampaignsQuery): Promise<CampaignPageDto> {
    return this.query.list(user, unionId, { status: q.status, ...pageOf(q) });
  }

  @Get('campaigns/:id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'A campaign with its pool balance, distribution progress and lifecycle history' })
  @ApiOkResponse({ type: CampaignDto })
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignDto> {
    return this.query.get(user, id);
  }

  @Get('campaigns/:id/members')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Who is in the campaign, with each grant’s state and balance' })
  @ApiOkResponse({ type: CampaignMemberPageDto })
  members(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Query() q: CampaignMembersQuery): Promise<CampaignMemberPageDto> {
    return this.query.members(user, id, { state: q.state, ...pageOf(q) });
  }

  @Put('campaigns/:id/member-amounts')
  @Roles(...ADMINS)
  @ApiCsvBody('employee_no,points\nQDG0001,500\nQDG0002,800.50\n', 'employee_no,points (or employee_no,amount_fen); replaces the previous upload')
  @ApiOperation({ summary: 'Per-member amounts of a draft per_member campaign from CSV; bad rows are reported per line; ?dryRun=true writes nothing' })
  @ApiOkResponse({ type: MemberAmountsReportDto })
  @ApiConflictResponse({ description: 'CAMPAIGN_NOT_DRAFT, NOT_PER_MEMBER', type: ErrorBodyDto })
  memberAmounts(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Query() q: ImportQuery, @Body() body: unknown): Promise<MemberAmountsReportDto> {
    return this.creating.setMemberAmounts(user, id, csvBody(body), q.dryRun ?? false);
  }

  @Post('campaigns/:id/approve')
  @Roles(...ADMINS)
  @HttpCode(200)
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'Approve: reserve the total from the union budget into the campaign pool and start distribution (or refuse with the shortfall)' })
  @ApiOkResponse({ type: CampaignDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (not a draft), IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({
    description: 'INSUFFICIENT_BUDGET (details: requiredFen, availableFen, shortfallFen), WELFARE_CAP_EXCEEDED (details: annualCapFen, violations, examples), NO_ELIGIBLE_MEMBERS, NO_AGREEMENT_IN_FORCE, WINDOW_IN_PAST',
    type: ErrorBodyDto,
  })
  approve(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ApproveCampaignDto, @Headers('idempotency-key') key?: string): Promise<CampaignDto> {
    return this.approving.approve(user, id, dto.note, key);
  }

  @Post('campaigns/:id/cancel')
  @Roles(...ADMINS)
  @HttpCode(200)
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'Cancel a draft or approved campaign; an approved one returns its pool to the union budget' })
  @ApiOkResponse({ type: CampaignDto })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION (distribution has started)', type: ErrorBodyDto })
  cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CancelCampaignDto, @Headers('idempotency-key') key?: string): Promise<CampaignDto> {
    return this.cancelling.cancel(user, id, dto.reason, key);
  }

  @Post('campaigns/:id/members')
  @Roles(...ADMINS)
  @HttpCode(200)
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'Add members after approval (e.g. newly imported): reserves their amounts and credits them in a new distribution round' })
  @ApiOkResponse({ type: AddMembersResultDto })
  @ApiConflictResponse({ description: 'CAMPAIGN_NOT_ACCEPTING_MEMBERS', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'INSUFFICIENT_BUDGET, WELFARE_CAP_EXCEEDED, PER_MEMBER_CAP_EXCEEDED, MEMBERS_NOT_ELIGIBLE, NO_AGREEMENT_IN_FORCE', type: ErrorBodyDto })
  add(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: AddCampaignMembersDto, @Headers('idempotency-key') key?: string): Promise<AddMembersResultDto> {
    return this.adding.add(user, id, dto, key);
  }
}
