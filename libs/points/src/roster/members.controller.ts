import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, Header, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiCsvBody, csvBody, IdempotencyKeyHeader } from '../shared/http.decorators';
import { ActivationCodesService } from './activation-codes.service';
import { ActivationCodesQuery, SendActivationCodesDto, SendActivationCodesResultDto } from './activation.dto';
import { CreateMemberDto, ImportQuery, LeaveMemberDto, LeaveResultDto, ListMembersQuery, MemberDto, MemberPageDto, RosterImportReportDto, UpdateMemberDto } from './member.dto';
import { MemberLeaveService } from './member-leave.service';
import { MembersService } from './members.service';
import { RosterImportService } from './roster-import.service';

const ADMINS = [Role.UnionAdmin, Role.PlatformAdmin];

@ApiTags('members')
@Controller('unions/:unionId')
export class MembersController {
  constructor(
    private readonly roster: RosterImportService,
    private readonly members: MembersService,
    private readonly leaving: MemberLeaveService,
    private readonly codes: ActivationCodesService,
  ) {}

  @Post('members/import')
  @Roles(...ADMINS)
  @HttpCode(200)
  @ApiCsvBody('employee_no,name,phone,group,join_date\nQDG0001,王师傅,13800138000,装卸一队,2015-03-01\n', 'The roster as CSV (header employee_no,name,phone,group,join_date; up to 100,000 rows)')
  @ApiOperation({ summary: 'Import members from CSV: creates and updates only what changed (re-importing the same file changes nothing); bad rows are reported per line and skipped; ?dryRun=true writes nothing' })
  @ApiOkResponse({ type: RosterImportReportDto })
  import(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: ImportQuery, @Body() body: unknown): Promise<RosterImportReportDto> {
    return this.roster.import(user, unionId, csvBody(body), q.dryRun ?? false);
  }

  @Get('members')
  @Roles(...ADMINS, Role.Auditor)
  @ApiOperation({ summary: 'The roster, filtered (status, group, name/number/phone prefix, activated)' })
  @ApiOkResponse({ type: MemberPageDto })
  list(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: ListMembersQuery): Promise<MemberPageDto> {
    return this.members.list(user, unionId, { status: q.status, group: q.group, q: q.q, activated: q.activated, ...pageOf(q) });
  }

  @Post('members')
  @Roles(...ADMINS)
  @ApiOperation({ summary: 'Add one member' })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiConflictResponse({ description: 'EMPLOYEE_NO_TAKEN', type: ErrorBodyDto })
  create(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: CreateMemberDto): Promise<MemberDto> {
    return this.members.create(user, unionId, dto);
  }

  @Get('members/:memberId')
  @Roles(...ADMINS, Role.Auditor)
  @ApiOperation({ summary: 'One member' })
  @ApiOkResponse({ type: MemberDto })
  get(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Param('memberId', ParseUUIDPipe) memberId: string): Promise<MemberDto> {
    return this.members.get(user, unionId, memberId);
  }

  @Patch('members/:memberId')
  @Roles(...ADMINS)
  @ApiOperation({ summary: 'Correct a member’s name, phone, group or join date' })
  @ApiOkResponse({ type: MemberDto })
  @ApiConflictResponse({ description: 'MEMBER_LEFT', type: ErrorBodyDto })
  update(
    @CurrentUser() user: AuthUser,
    @Param('unionId', ParseUUIDPipe) unionId: string,
    @Param('memberId', ParseUUIDPipe) memberId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberDto> {
    return this.members.update(user, unionId, memberId, dto);
  }

  @Post('members/:memberId/leave')
  @Roles(...ADMINS)
  @HttpCode(200)
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'A member leaves: unspent points return (to the campaign pool while its window is open, else to the union budget); their account is disabled' })
  @ApiOkResponse({ type: LeaveResultDto })
  @ApiConflictResponse({ description: 'MEMBER_ALREADY_LEFT (a retry without the Idempotency-Key of the first request), IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  leave(
    @CurrentUser() user: AuthUser,
    @Param('unionId', ParseUUIDPipe) unionId: string,
    @Param('memberId', ParseUUIDPipe) memberId: string,
    @Body() dto: LeaveMemberDto,
    @Headers('idempotency-key') key?: string,
  ): Promise<LeaveResultDto> {
    return this.leaving.leave(user, unionId, memberId, dto.reason, key);
  }

  @Get('activation-codes.csv')
  @Roles(...ADMINS)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="activation-codes.csv"')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Issue activation codes and download them (employee_no,name,phone,group,activation_code,expires_at): for every member not activated yet, or ?only=new for those who never had one. Issuing replaces earlier codes.' })
  @ApiOkResponse({ description: 'CSV (UTF-8 with BOM, for spreadsheets)', schema: { type: 'string' } })
  async activationCodes(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: ActivationCodesQuery): Promise<string> {
    // toCsv already starts with the BOM; a second one would become part of the first header
    return this.codes.csv(user, unionId, q.only ?? 'all');
  }

  @Post('activation-codes/send')
  @Roles(...ADMINS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue activation codes and send each member theirs through the notifier (SMS in production; logged in development)' })
  @ApiOkResponse({ type: SendActivationCodesResultDto })
  send(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: SendActivationCodesDto): Promise<SendActivationCodesResultDto> {
    return this.codes.send(user, unionId, dto.only ?? 'new', dto.memberIds);
  }
}
