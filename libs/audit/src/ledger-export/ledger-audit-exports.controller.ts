import { ErrorBodyDto, Role, Roles, writeWithBackpressure } from '@huigong/common';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LedgerExportQueryDto, VerificationHistoryDto, VerificationsQueryDto } from '../audit.dto';
import { LedgerVerificationHistoryService } from '../verification/ledger-verification-history.service';
import { LedgerExportService, MAX_EXPORT_DAYS } from './ledger-export.service';

@ApiTags('audit')
@Controller('audit/ledger')
export class LedgerAuditExportsController {
  constructor(
    private readonly exports: LedgerExportService,
    private readonly history: LedgerVerificationHistoryService,
  ) {}

  @Get('entries.csv')
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Ledger entries of a period as CSV, one line per transfer, with the entry hash and its seal (block height and hash); optionally only those touching one account',
    description: `Period [from, to), at most ${MAX_EXPORT_DAYS} days. Streamed from one consistent snapshot. UTF-8 with BOM, CRLF.`,
  })
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, INVALID_PERIOD, PERIOD_TOO_LONG', type: ErrorBodyDto })
  async entries(@Query() q: LedgerExportQueryDto, @Res() res: Response): Promise<void> {
    const query = { from: new Date(q.from), to: new Date(q.to), accountId: q.accountId };
    this.exports.validate(query); // a bad period answers 400 before anything is sent
    const stamp = (d: Date) => d.toISOString().slice(0, 10);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="ledger-entries-${stamp(query.from)}-${stamp(query.to)}${q.accountId ? `-account-${q.accountId}` : ''}.csv"`);
    try {
      await this.exports.export(query, (chunk) => writeWithBackpressure(res, chunk));
      res.end();
    } catch (err) {
      // the status line is gone: cut the stream so the client sees an incomplete download
      res.destroy(err as Error);
    }
  }

  @Get('verifications')
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiOperation({ summary: 'Recorded ledger verifications (the nightly job’s and on-demand runs), newest first, with the latest outcome and the last clean run' })
  @ApiOkResponse({ type: VerificationHistoryDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  verifications(@Query() q: VerificationsQueryDto): Promise<VerificationHistoryDto> {
    return this.history.recent(q.limit ?? 20);
  }
}
