import { ApiIdempotencyKey, AuthUser, CurrentUser, ErrorBodyDto, IdempotencyKey, PageQueryDto, pageOf, Role, Roles, writeWithBackpressure } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { RecordPayoutDto, RunDto, RunListQuery, RunPageDto, StartRunDto, StatementDetailDto, StatementListQuery, StatementPageDto } from '../dto/settlement.dto';
import { RecordPayoutService } from '../services/record-payout.service';
import { RunSettlementService } from '../services/run-settlement.service';
import { StatementsService } from '../services/statements.service';

@ApiTags('settlement')
@Controller('settlement')
export class SettlementController {
  constructor(
    private readonly runs: RunSettlementService,
    private readonly payouts: RecordPayoutService,
    private readonly statements: StatementsService,
  ) {}

  @Post('runs')
  @HttpCode(201)
  @Roles(Role.PlatformAdmin)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Run settlement now: one statement per supplier of its completed orders past the return window (SETTLEMENT_HOLD_DAYS), not yet settled',
    description: 'One transaction. An order goes on exactly one statement, also when runs overlap. Settled orders can no longer be returned. A replayed Idempotency-Key returns the first run.',
  })
  @ApiCreatedResponse({ type: RunDto })
  @ApiConflictResponse({ description: 'IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  async startRun(@CurrentUser() user: AuthUser, @IdempotencyKey() key: string, @Body() dto: StartRunDto, @Res({ passthrough: true }) res: Response): Promise<RunDto> {
    const { replayed, ...run } = await this.runs.run({ trigger: 'api', user, supplierId: dto.supplierId, idempotencyKey: key });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return run;
  }

  @Get('runs')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Settlement runs, newest first, with the statements each issued' })
  @ApiOkResponse({ type: RunPageDto })
  listRuns(@Query() q: RunListQuery): Promise<RunPageDto> {
    return this.statements.runs(pageOf(q));
  }

  @Get('runs/:id')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'One settlement run with its statements' })
  @ApiOkResponse({ type: RunDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  run(@Param('id', ParseUUIDPipe) id: string): Promise<RunDto> {
    return this.statements.run(id);
  }

  @Get('statements')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.SupplierStaff)
  @ApiOperation({ summary: 'Settlement statements, newest first (supplier staff: their own supplier’s only)' })
  @ApiOkResponse({ type: StatementPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: StatementListQuery): Promise<StatementPageDto> {
    return this.statements.list(user, { supplierId: q.supplierId, paid: q.paid, ...pageOf(q) });
  }

  @Get('statements/:id')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.SupplierStaff)
  @ApiOperation({
    summary: 'One statement with a page of its lines (one per order, in line order) and its payout',
    description: '`limit`/`offset` page the lines (default 50, at most 200); `linesPage.total` is the number of lines in all. The CSV has every line.',
  })
  @ApiOkResponse({ type: StatementDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE: another supplier’s statement', type: ErrorBodyDto })
  detail(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Query() q: PageQueryDto): Promise<StatementDetailDto> {
    return this.statements.detail(user, id, pageOf(q));
  }

  @Get('statements/:id/csv')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.SupplierStaff)
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'One statement as CSV: a row per order, a total row, and the payout once paid',
    description: 'Every line, streamed from one consistent snapshot. UTF-8 with BOM, CRLF; formula-like cells are neutralised. Amounts in fen and in yuan.',
  })
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE: another supplier’s statement', type: ErrorBodyDto })
  async csv(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Res() res: Response): Promise<void> {
    const summary = await this.statements.reach(user, id); // 404/403 answer before anything is sent
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${summary.number}.csv"`);
    try {
      await this.statements.csv(summary, (chunk) => writeWithBackpressure(res, chunk));
      res.end();
    } catch (err) {
      // the status line is gone: cut the stream so the client sees an incomplete download
      res.destroy(err as Error);
    }
  }

  @Post('statements/:id/payout')
  @HttpCode(201)
  @Roles(Role.PlatformAdmin)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Record the bank’s payout of a statement: supplier payable → supplier paid out, in full, once',
    description: 'One ledger entry (supplier_payout, reference statement:<id>) and the payout row in one transaction.',
  })
  @ApiCreatedResponse({ type: StatementDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'STATEMENT_ALREADY_PAID; BANK_REFERENCE_USED; PAYABLE_INSUFFICIENT; IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'PAYOUT_AMOUNT_MISMATCH (details: statementTotalFen, amountFen); PAID_ON_IN_FUTURE', type: ErrorBodyDto })
  async payout(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @IdempotencyKey() key: string,
    @Body() dto: RecordPayoutDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StatementDetailDto> {
    const { replayed, ...statement } = await this.payouts.record(user, id, key, dto);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return statement;
  }
}
