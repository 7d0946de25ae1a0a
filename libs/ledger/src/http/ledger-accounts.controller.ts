import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountQuery, LedgerAccountDto, LedgerAccountPageDto, LedgerIdParam, ListLedgerAccountsQuery, StatementDto, StatementQuery } from './dto/ledger-accounts.dto';
import { ScopedLedgerReadsService } from './scoped-ledger-reads.service';

const READERS = [Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin, Role.SupplierStaff, Role.Worker];

@ApiTags('ledger')
@Controller('ledger/accounts')
export class LedgerAccountsController {
  constructor(private readonly reads: ScopedLedgerReadsService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Ledger accounts in your scope (union admin: your union and below; supplier: yours; worker: the grants you hold)' })
  @ApiOkResponse({ type: LedgerAccountPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListLedgerAccountsQuery): Promise<LedgerAccountPageDto> {
    return this.reads.listAccounts(user, { type: q.type, ownerType: q.ownerType, ownerId: q.ownerId, organizationId: q.organizationId }, pageOf(q));
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One account with its balance now, and as of `asOf` when given (403 OUT_OF_SCOPE outside your scope)' })
  @ApiOkResponse({ type: LedgerAccountDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  get(@CurrentUser() user: AuthUser, @Param() p: LedgerIdParam, @Query() q: AccountQuery): Promise<LedgerAccountDto> {
    return this.reads.account(user, p.id, q.asOf ? new Date(q.asOf) : undefined);
  }

  @Get(':id/statement')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Statement: the account’s transfers, oldest first, with the running balance (cursor paging)' })
  @ApiOkResponse({ type: StatementDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, INVALID_CURSOR', type: ErrorBodyDto })
  statement(@CurrentUser() user: AuthUser, @Param() p: LedgerIdParam, @Query() q: StatementQuery): Promise<StatementDto> {
    return this.reads.statement(user, p.id, { limit: q.limit ?? 50, cursor: q.cursor });
  }
}
