import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { BudgetQueryService } from '../budget/budget-query.service';
import { DepositDto, DepositListDto, RecordDepositDto, StatementQuery } from '../budget/budget.dto';
import { RecordDepositService } from '../budget/record-deposit.service';
import { UnionAccess } from '../shared/union-access.service';
import { OnboardUnionService } from './onboard-union.service';
import { SignAgreementService } from './sign-agreement.service';
import { AgreementDto, AgreementListDto, BudgetSummaryDto, ListUnionsQuery, OnboardUnionDto, SignAgreementDto, UnionDto, UnionPageDto } from './union.dto';
import { UnionDirectoryService } from './union-directory.service';

const READERS = [Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin];

@ApiTags('unions')
@Controller('unions')
export class UnionsController {
  constructor(
    private readonly onboarding: OnboardUnionService,
    private readonly directory: UnionDirectoryService,
    private readonly agreements: SignAgreementService,
    private readonly deposits: RecordDepositService,
    private readonly budgets: BudgetQueryService,
    private readonly access: UnionAccess,
    private readonly ledgerQuery: LedgerQueryService,
  ) {}

  @Post()
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Onboard a union: its organization under its parent union (or an existing union organization), ledger accounts and first admin' })
  @ApiCreatedResponse({ type: UnionDto })
  @ApiConflictResponse({ description: 'UNION_ALREADY_ONBOARDED, USERNAME_TAKEN', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_ONBOARDING, PARENT_NOT_FOUND, INVALID_PARENT, NOT_A_UNION', type: ErrorBodyDto })
  onboard(@CurrentUser() user: AuthUser, @Body() dto: OnboardUnionDto): Promise<UnionDto> {
    return this.onboarding.onboard(user, dto);
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Onboarded unions in your scope (a union admin: their union and those below), with budget figures' })
  @ApiOkResponse({ type: UnionPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListUnionsQuery): Promise<UnionPageDto> {
    return this.directory.list(user, { parentId: q.parentId, ...pageOf(q) });
  }

  @Get(':unionId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One union with its budget figures' })
  @ApiOkResponse({ type: UnionDto })
  @ApiNotFoundResponse({ description: 'UNION_NOT_FOUND', type: ErrorBodyDto })
  get(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string): Promise<UnionDto> {
    return this.directory.get(user, unionId);
  }

  @Post(':unionId/agreements')
  @Roles(Role.PlatformAdmin)
  @ApiOperation({
    summary: 'Record a signed welfare purchase agreement (采购意向书)',
    description:
      'The agreement in force on a day is the most recently recorded one whose term covers it (Beijing time; the order of recording, not the signedOn date). A renewal whose term starts later is `upcoming`: the current agreement, and its credit limit, stay in force until the renewal starts; its credit limit becomes the budget’s then (at once when its term already covers today). CREDIT_LIMIT_BELOW_OWED only for an agreement that takes effect at once.',
  })
  @ApiCreatedResponse({ type: AgreementDto })
  @ApiConflictResponse({ description: 'ALREADY_EXISTS (agreement number)', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_TERM, CREDIT_LIMIT_BELOW_OWED', type: ErrorBodyDto })
  sign(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: SignAgreementDto): Promise<AgreementDto> {
    return this.agreements.sign(user, unionId, dto);
  }

  @Get(':unionId/agreements')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The union’s agreements, newest first, each with its status today (active = in force, upcoming, superseded, expired) and inForce' })
  @ApiOkResponse({ type: AgreementListDto })
  async listAgreements(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string): Promise<AgreementListDto> {
    return { items: await this.agreements.list(user, unionId) };
  }

  @Post(':unionId/deposits')
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Record money received from the union (funding → budget); the bank reference makes it idempotent' })
  @ApiCreatedResponse({ type: DepositDto })
  @ApiConflictResponse({ description: 'DEPOSIT_REFERENCE_CONFLICT: the bank reference was recorded with other figures', type: ErrorBodyDto })
  record(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: RecordDepositDto): Promise<DepositDto> {
    return this.deposits.record(user, unionId, dto);
  }

  @Get(':unionId/deposits')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Deposits recorded for the union' })
  @ApiOkResponse({ type: DepositListDto })
  async listDeposits(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string): Promise<DepositListDto> {
    const { items, totalFen } = await this.deposits.list(user, unionId);
    return { items: items.map((d) => ({ ...d, replayed: false })), totalFen };
  }

  @Get(':unionId/budget')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Budget balance, credit limit, what may still be allocated and what is owed' })
  @ApiOkResponse({ type: BudgetSummaryDto })
  async budget(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string): Promise<BudgetSummaryDto> {
    return this.budgets.summary(await this.access.reach(user, unionId));
  }

  @Get(':unionId/budget/statement')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Statement of the union budget account, from the ledger (oldest first, with the balance after each line; cursor-paginated: pass nextCursor to read on)' })
  @ApiOkResponse({ description: 'the ledger’s statement page: { items: [...], nextCursor }', schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, nextCursor: { type: 'string', nullable: true } } } })
  async statement(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: StatementQuery): Promise<unknown> {
    const union = await this.access.reach(user, unionId);
    return this.ledgerQuery.statement(union.budgetAccountId, { limit: q.limit ?? 50, cursor: q.cursor });
  }
}
