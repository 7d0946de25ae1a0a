import { ErrorBodyDto, Role, Roles, TransactionRunner } from '@huigong/common';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerAuditQueryService } from '../services/ledger-audit-query.service';
import { LedgerBlockPageDto, LedgerBlocksQuery } from './dto/ledger-blocks.dto';

@ApiTags('ledger')
@Controller('ledger/blocks')
export class LedgerBlocksController {
  constructor(
    private readonly audit: LedgerAuditQueryService,
    private readonly tx: TransactionRunner,
  ) {}

  @Get()
  @Roles(Role.Auditor, Role.PlatformAdmin)
  @ApiOperation({
    summary: 'Sealed block headers with their hashes, a page at a time from a height: link a proof’s block (or an audit pack’s) to the chain head',
    description: 'Each header’s `prevHash` is the previous header’s `hash`. Page on with `fromHeight = nextFromHeight` until it is null.',
  })
  @ApiOkResponse({ type: LedgerBlockPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  list(@Query() q: LedgerBlocksQuery): Promise<LedgerBlockPageDto> {
    const from = q.fromHeight ?? 0;
    const limit = q.limit ?? 1000;
    // the page and the head from one snapshot, so `nextFromHeight` is null exactly when the page holds the head
    return this.tx.run(
      async (em) => {
      const items = await this.audit.blockHeaders(from, em, limit);
      const head = await this.audit.chainHead(em);
      const last = items[items.length - 1];
      return {
        items,
        nextFromHeight: last && head && last.height < head.height ? last.height + 1 : null,
        head: head ? { height: head.height, hash: head.hash } : null,
      };
      },
      { isolation: 'REPEATABLE READ' },
    );
  }
}
